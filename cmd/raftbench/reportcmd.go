package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

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
	// package flag stops at the first argument that is not a flag; the
	// folder may come before the limits, so parse on past it.
	var dirs []string
	for rest := args; ; rest = c.fs.Args()[1:] {
		if err := c.fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printUsage(stdout)
				return exitOK
			}
			if c.refused != nil {
				err = fmt.Errorf("%v (see raftbench report -h)", c.refused)
			} else {
				err = c.parseError(err)
			}
			fmt.Fprintf(stderr, "raftbench report: %v\n", err)
			return exitUsage
		}
		if c.fs.NArg() == 0 {
			break
		}
		dirs = append(dirs, c.fs.Arg(0))
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
