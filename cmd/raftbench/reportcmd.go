package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/report"
)

// reportFlags are the flags of report: the recommendation's limits.
func reportFlags() *cli {
	c := newCLI("raftbench report")
	c.limitFlags()
	return c
}

// rebuildReport is `raftbench report DIR`: the charts and report of a saved
// output folder, made again (with other limits, or after an upgrade).
func rebuildReport(args []string, stdout, stderr io.Writer) int {
	c := reportFlags()
	// The folder may come before the limits.
	dirs, err := c.parseWithArguments(args)
	if errors.Is(err, flag.ErrHelp) {
		c.printUsage(stdout)
		return exitOK
	}
	if err != nil {
		if fe := (*bench.FieldError)(nil); errors.As(err, &fe) {
			err = fmt.Errorf("%v (see raftbench report -h)", err)
		}
		fmt.Fprintf(stderr, "raftbench report: %v\n", err)
		return exitUsage
	}
	if len(dirs) != 1 {
		fmt.Fprintln(stderr, "raftbench report: want one argument, the output folder of a run (e.g. raftbench-out/20261126-024617)")
		return exitUsage
	}
	if err := c.limits.Validate(); err != nil {
		fmt.Fprintf(stderr, "raftbench report: %v\n", err)
		return exitUsage
	}
	dir := dirs[0]
	run, err := report.Load(dir)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench report: %v\n", err)
		return exitUsage
	}
	rec, err := report.Write(dir, run, c.limits)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench report: %v\n", err)
		return exitWrite
	}
	if rec.Best >= 0 {
		fmt.Fprintf(stdout, "recommended: %v\n", run.Summary.Settings[rec.Best])
	} else {
		fmt.Fprintln(stdout, "no setting meets the limits")
	}
	fmt.Fprintf(stdout, "report in %s and %s\n", filepath.Join(dir, report.MarkdownFile), filepath.Join(dir, report.HTMLFile))
	return exitOK
}
