package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/raftbench/raftbench/report"
	"github.com/spf13/pflag"
)

// rebuildReport is `raftbench report DIR`: the charts and report of a saved
// output folder, made again (with other limits, or after an upgrade).
func rebuildReport(args []string, stdout, stderr io.Writer) int {
	var v flagValues
	fs := pflag.NewFlagSet("raftbench report", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addReportFlags(fs, &v)
	if err := fs.Parse(goStyleArgs(fs, args)); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: raftbench report DIR [-max-rpc-rate N] [-max-spurious-per-hour N]\n\nRebuilds report.md, report.html and the charts in DIR, a folder a raftbench run wrote.")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return exitOK
		}
		fmt.Fprintf(stderr, "raftbench report: %v (see raftbench report -h)\n", err)
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "raftbench report: want one argument, the output folder of a run (e.g. raftbench-out/20261126-024617)")
		return exitUsage
	}
	limits, err := v.limits()
	if err != nil {
		fmt.Fprintf(stderr, "raftbench report: %v\n", err)
		return exitUsage
	}
	dir := fs.Arg(0)
	run, err := report.Load(dir)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench report: %v\n", err)
		return exitUsage
	}
	rec, err := report.Write(dir, run, limits)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench report: %v\n", err)
		return exitFailed
	}
	if rec.Best >= 0 {
		fmt.Fprintf(stdout, "recommended: %v\n", run.Summary.Settings[rec.Best])
	} else {
		fmt.Fprintln(stdout, "no setting meets the limits")
	}
	fmt.Fprintf(stdout, "report in %s and %s\n", filepath.Join(dir, report.MarkdownFile), filepath.Join(dir, report.HTMLFile))
	return exitOK
}
