// Command raftbench sweeps Raft heartbeat intervals and election-timeout
// ranges on a simulated network and reports how fast clusters elect and
// replace leaders, and at what RPC cost. Run raftbench -h for the flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/fidelity"
	"github.com/raftbench/raftbench/report"
	"github.com/spf13/pflag"
)

const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	// A sweep keeps little alive (results, one cluster per worker) but
	// allocates steadily; collecting less often buys about a tenth of the
	// run time for some 10 MB. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

// run is the whole command, with its environment passed in for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, interactive bool) int {
	if len(args) > 0 && args[0] == "replay" {
		return replay(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "report" {
		return rebuildReport(args[1:], stdout, stderr)
	}
	var v flagValues
	fs := newFlagSet("raftbench", &v)
	spec, code := parseCommandLine(fs, &v, args, stdout, stderr)
	if spec == nil {
		return code
	}
	outDir, err := chooseOutDir(v.out, fs.Changed("out"), time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "raftbench: -out %q: %v\n", v.out, err)
		return exitUsage
	}

	header := stdout
	if v.format != "table" {
		header = stderr // keep csv and json output machine-readable
	}
	printHeader(header, spec)
	for _, w := range spec.warnings {
		fmt.Fprintf(stderr, "raftbench: warning: %s\n", w)
	}

	started := time.Now()
	tracing, err := startTracing(ctx, &v, fs, &spec.options, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench: %v\n", err)
		return exitUsage
	}
	progress := newProgress(stderr, interactive, spec.totalTrials())
	outcome, err := bench.Sweep(ctx, spec.settings, spec.options, progress.update)
	progress.finish()
	traceErr := tracing.stop() // reported after the results are safe
	if err != nil {
		fmt.Fprintf(stderr, "raftbench: %v\n", err)
		return exitFailed
	}
	wall := time.Since(started)
	summary := &bench.Summary{
		Tool: "raftbench", Command: append([]string{"raftbench"}, args...), Started: started.UTC(),
		WallSeconds: wall.Seconds(), Options: spec.options, Settings: spec.settings,
		Interrupted: outcome.Interrupted, TrialsDone: outcome.Done(), Points: outcome.Summarize(),
	}
	if err := writeStdout(stdout, v.format, spec.options.Scenario, summary); err != nil {
		fmt.Fprintf(stderr, "raftbench: writing output: %v\n", err)
		return exitFailed
	}
	ref := fidelity.LogCabinTop()
	if rows := fidelity.CompareRun(ref, spec.settings, spec.options, outcome.Results); len(rows) > 0 {
		fmt.Fprintln(header)
		fidelity.WriteTable(header, ref, rows)
	}
	fmt.Fprintf(header, "%d trials in %.2fs of wall time\n", outcome.Done(), wall.Seconds())
	if outDir != "" {
		limits, _ := v.limits() // checked while parsing
		var rec report.Recommendation
		writeReport := func(stage string) (err error) {
			rec, err = report.Write(stage, report.Run{Summary: summary, Outcome: outcome}, limits)
			return err
		}
		if err := writeOutDir(outDir, outcome, summary, writeReport); err != nil {
			fmt.Fprintf(stderr, "raftbench: writing %s: %v\n", outDir, err)
			return exitFailed
		}
		if rec.Best >= 0 {
			fmt.Fprintf(header, "recommended: %v\n", spec.settings[rec.Best])
		}
		fmt.Fprintf(header, "results in %s (open %s)\n", outDir, filepath.Join(outDir, report.HTMLFile))
	}
	if traceErr != nil {
		fmt.Fprintf(stderr, "raftbench: -trace-file %q: %v\n", v.traceFile, traceErr)
		return exitFailed
	}
	if outcome.Interrupted {
		fmt.Fprintf(stderr, "raftbench: interrupted: %d of %d trials finished and are written\n",
			outcome.Done(), spec.totalTrials())
		return exitInterrupted
	}
	return exitOK
}

// parseCommandLine parses args into a sweep, or returns nil and the exit
// code after printing help or a one-line error.
func parseCommandLine(fs *pflag.FlagSet, v *flagValues, args []string, stdout, stderr io.Writer) (*sweepSpec, int) {
	if err := fs.Parse(goStyleArgs(fs, args)); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printUsage(stdout, fs)
			return nil, exitOK
		}
		fmt.Fprintf(stderr, "raftbench: %v (see raftbench -h)\n", err)
		return nil, exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "raftbench: unexpected argument %q (flags start with -; see raftbench -h)\n", fs.Arg(0))
		return nil, exitUsage
	}
	spec, err := parseSweep(v, fs)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench: %v\n", err)
		return nil, exitUsage
	}
	return spec, exitOK
}

func printHeader(w io.Writer, spec *sweepSpec) {
	o := spec.options
	var iv, to []string
	for _, d := range spec.intervals {
		if !slices.Contains(iv, d.String()) {
			iv = append(iv, d.String())
		}
	}
	for _, t := range spec.timeouts {
		to = append(to, t.String())
	}
	fmt.Fprintf(w, "raftbench: scenario %s, %d settings, %d trials in all, seed %d, %d workers, %s time\n",
		o.Scenario, len(spec.settings), spec.totalTrials(), o.Seed, o.Parallel, o.Runtime)
	fmt.Fprintf(w, "  heartbeat intervals: %s\n", strings.Join(iv, ", "))
	fmt.Fprintf(w, "  election timeouts:   %s\n\n", strings.Join(to, ", "))
}

func writeStdout(w io.Writer, format string, sc bench.Scenario, s *bench.Summary) error {
	switch format {
	case "csv":
		return bench.WriteSummaryCSV(w, s.Points)
	case "json":
		return s.WriteJSON(w)
	}
	return bench.WriteTable(w, sc, s.Points)
}
