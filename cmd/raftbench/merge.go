package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/report"
)

// mergeFlags declares `raftbench merge`'s flags: the report's limits.
func mergeFlags() *cli {
	c := newCLI("raftbench merge")
	c.limitFlags()
	return c
}

// merge is `raftbench merge OUT DIR...`: the output folders of a sweep's
// shards (-shard K/N), checked to be one sweep, complete and without
// overlap, put back together in OUT: trials.csv and summary.csv as one
// unsharded run writes them, byte for byte, and the summary, charts and
// report made from them.
func merge(args []string, stdout, stderr io.Writer) int {
	c := mergeFlags()
	positional, err := c.parseWithArguments(args)
	if errors.Is(err, flag.ErrHelp) {
		c.printUsage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftbench merge: %v\n", err)
		return exitUsage
	}
	if len(positional) < 2 {
		fmt.Fprintln(stderr, "raftbench merge: want the folder to write, then every shard's output folder (e.g. raftbench merge merged shard-0 shard-1)")
		return exitUsage
	}
	if err := c.limits.Validate(); err != nil {
		fmt.Fprintf(stderr, "raftbench merge: %v\n", err)
		return exitUsage
	}
	outDir, dirs := positional[0], positional[1:]
	var runs []bench.ShardRun
	for _, dir := range dirs {
		run, err := report.Load(dir)
		if err != nil {
			fmt.Fprintf(stderr, "raftbench merge: %v\n", err)
			return exitUsage
		}
		runs = append(runs, bench.ShardRun{Dir: dir, Summary: run.Summary, Outcome: run.Outcome})
	}
	outcome, err := bench.MergeShards(runs)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench merge: %v\n", err)
		return exitUsage
	}
	out, err := openOutFolder(outDir, true, clock(), outcome.Settings, outcome.Options)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench merge: %q: %v\n", outDir, err)
		return exitUsage
	}
	for _, rs := range outcome.Results {
		for _, r := range rs {
			out.add(r)
		}
	}
	trialsErr := out.closeTrials()
	base := runs[0].Summary
	summary := &bench.Summary{
		Tool: base.Tool, Version: base.Version, Command: withoutFlags(base.Command, "shard", "out"),
		Started: base.Started, Options: outcome.Options, Settings: outcome.Settings,
		TrialsDone: outcome.Done(), Points: outcome.Summarize(),
	}
	for _, r := range runs {
		summary.WallSeconds += r.Summary.WallSeconds // machine time, spread over the shards
		if r.Summary.Started.Before(summary.Started) {
			summary.Started = r.Summary.Started
		}
	}
	err = trialsErr
	if err == nil {
		err = out.writeRest(summary, func(dir string) error {
			_, err := report.Write(dir, report.Run{Summary: summary, Outcome: outcome}, c.limits)
			return err
		})
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftbench merge: writing %s: %v\n", out.dir, err)
		return exitWrite
	}
	fmt.Fprintf(stdout, "merged %d shards: %d trials of %d settings in %s (open %s)\n", len(runs), outcome.Done(), len(outcome.Settings),
		out.dir, filepath.Join(out.dir, report.HTMLFile))
	return exitOK
}

// withoutFlags is a command line without the named flags and their values
// (-name v, -name=v, --name v, --name=v).
func withoutFlags(args []string, names ...string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		name, _, hasValue := strings.Cut(a, "=")
		drop := strings.HasPrefix(args[i], "-")
		if drop {
			drop = false
			for _, n := range names {
				drop = drop || name == n
			}
		}
		switch {
		case drop && hasValue:
		case drop:
			i++ // its value
		default:
			out = append(out, args[i])
		}
	}
	return out
}
