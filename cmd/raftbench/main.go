// Command raftbench sweeps Raft heartbeat intervals and election-timeout
// ranges on a simulated network and reports how fast clusters elect and
// replace leaders, and at what RPC cost. Run raftbench -h for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/fidelity"
	"github.com/raftbench/raftbench/internal/english"
	"github.com/raftbench/raftbench/live"
	"github.com/raftbench/raftbench/report"
)

// Exit statuses, one meaning each (-h and the README list them). When
// several apply, the first in this order wins: a broken run, results that
// could not be written, an interrupt.
const (
	exitOK          = 0
	exitFailed      = 1 // a run broke: a safety violation or a stuck simulation
	exitUsage       = 2 // bad input, including an output folder that cannot be used
	exitWrite       = 3 // could not write results (output folder, standard output, traces)
	exitInterrupted = 130
)

// Seams for tests: the clock that names the default output folder, the
// sweep (a test makes a trial break: no flag can), and the report step.
var (
	clock       = time.Now
	sweep       = bench.SweepEach
	writeReport = report.Write
	// peerStdin is a peer process's link to its driver (nil: none).
	peerStdin io.Reader
)

func main() {
	// A sweep keeps little alive (results, one cluster per worker) but
	// allocates steadily; collecting less often buys about a tenth of the
	// run time for some 10 MB. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal stops the sweep, whose running trials end within an
	// event, and the finished ones are written; a second one, as before
	// NotifyContext, ends the process at once.
	context.AfterFunc(ctx, stop)
	peerStdin = os.Stdin
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr))
	stop()
	os.Exit(code)
}

// run is the whole command, with its environment passed in for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, interactive bool) int {
	if code, ok := helpOrVersion(args, stdout, stderr); ok {
		return code
	}
	if len(args) > 0 && args[0] == "replay" {
		return replay(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "report" {
		return rebuildReport(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "peer" {
		return runPeer(ctx, args[1:], peerStdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "merge" {
		return merge(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "compare" {
		return compare(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "probe" {
		return runProbe(ctx, args[1:], stdout, stderr, interactive)
	}
	if len(args) > 0 && args[0] == "agent" {
		return runAgent(ctx, args[1:], stdout, stderr)
	}
	c := sweepFlags("raftbench")
	e, code := parseCommandLine(c, args, stdout, stderr)
	if e == nil {
		return code
	}
	out, err := openOutFolder(c.out, c.isGiven("out"), clock(), e.Settings, e.Options)
	if err != nil {
		if c.isGiven("out") {
			fmt.Fprintf(stderr, "raftbench: -out %q: %v\n", c.out, err)
		} else {
			fmt.Fprintf(stderr, "raftbench: output folder under %s: %v (choose one with -out)\n", defaultOutRoot, err)
		}
		return exitUsage
	}

	removePeerData, err := peerProcesses(&e.Options, c.peerData, c.agents, c.linkHost, out)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench: %v\n", err)
		if out != nil {
			out.remove()
		}
		return exitUsage
	}
	defer removePeerData()

	header := stdout
	if c.format != bench.FormatTable {
		header = stderr // keep csv and json output machine-readable
	}
	printHeader(header, e)
	for _, w := range e.Warnings {
		fmt.Fprintf(stderr, "raftbench: warning: %s\n", w)
	}

	started := time.Now()
	tracing, err := startTracing(ctx, c, &e.Options, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench: %v\n", err)
		if out != nil {
			out.remove()
		}
		return exitUsage
	}
	progress := newProgress(stderr, interactive, e.RunTrials())
	var each func(bench.Result)
	if out != nil {
		each = out.add
	}
	outcome, err := sweep(ctx, e.Settings, e.Options, progress.update, each)
	progress.finish()
	traceErr := tracing.stop() // reported after the results are safe
	var trialsErr error
	if out != nil {
		trialsErr = out.closeTrials()
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftbench: %v\n", err)
		if out != nil && trialsErr == nil {
			fmt.Fprintf(stderr, "raftbench: the %d trials that finished are in %s\n", out.count, filepath.Join(out.dir, trialsFile))
		}
		if errors.Is(err, live.ErrSetup) {
			return exitUsage // the machine's setup, not Raft, failed: a port, a folder, the peer command
		}
		return exitFailed
	}
	code = exitOK
	wall := time.Since(started)
	summary := &bench.Summary{
		Tool: "raftbench", Version: buildVersion(), Command: append([]string{"raftbench"}, args...), Started: started.UTC(),
		WallSeconds: wall.Seconds(), Options: e.Options, Settings: e.Settings,
		Interrupted: outcome.Interrupted, TrialsDone: outcome.Done(), Points: outcome.Summarize(),
	}
	if err := c.format.Write(stdout, summary); err != nil {
		fmt.Fprintf(stderr, "raftbench: writing output: %v\n", err)
		code = exitWrite // the output folder is still written
	}
	ref := fidelity.LogCabinTop()
	if rows := fidelity.CompareRun(ref, e.Settings, e.Options, outcome.Results); len(rows) > 0 {
		fmt.Fprintln(header)
		fidelity.WriteTable(header, ref, rows, e.Options.Provenance())
	}
	fmt.Fprintf(header, "%s in %.2fs of wall time\n", english.Count(outcome.Done(), "trial"), wall.Seconds())
	if out != nil {
		var rec report.Recommendation
		reportStep := func(dir string) (err error) {
			rec, err = writeReport(dir, report.Run{Summary: summary, Outcome: outcome}, c.limits)
			return err
		}
		err := trialsErr
		if err == nil {
			err = out.writeRest(summary, reportStep)
		} else {
			out.writeRest(summary, reportStep) // what can still be written
		}
		if err != nil {
			fmt.Fprintf(stderr, "raftbench: writing %s: %v\n", out.dir, err)
			code = exitWrite
		} else {
			if rec.Best >= 0 {
				fmt.Fprintf(header, "recommended: %v\n", e.Settings[rec.Best])
			}
			for _, c := range rec.PerVariant {
				if c.Best >= 0 {
					fmt.Fprintf(header, "  for %s: %v\n", c.Variant, e.Settings[c.Best])
				} else {
					fmt.Fprintf(header, "  for %s: no setting within the limits\n", c.Variant)
				}
			}
			fmt.Fprintf(header, "results in %s (open %s)\n", out.dir, filepath.Join(out.dir, report.HTMLFile))
		}
	}
	if traceErr != nil {
		fmt.Fprintf(stderr, "raftbench: -trace-file %q: %v\n", c.tracing.File, traceErr)
		code = exitWrite
	}
	if outcome.Interrupted {
		fmt.Fprintf(stderr, "raftbench: interrupted: %d of %d trials finished and are written\n",
			outcome.Done(), e.RunTrials())
		if code == exitOK {
			code = exitInterrupted
		}
	}
	return code
}

// parseCommandLine parses args into an experiment, or returns nil and the
// exit code after printing help or a one-line error.
func parseCommandLine(c *cli, args []string, stdout, stderr io.Writer) (*bench.Experiment, int) {
	err := c.parse(args)
	if errors.Is(err, flag.ErrHelp) {
		c.printUsage(stdout)
		return nil, exitOK
	}
	var e *bench.Experiment
	if err == nil {
		e, err = c.experiment()
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftbench: %v\n", err)
		return nil, exitUsage
	}
	return e, exitOK
}

func printHeader(w io.Writer, e *bench.Experiment) {
	o := e.Options
	iv := make([]string, len(e.Intervals))
	for i, d := range e.Intervals {
		iv[i] = d.String()
	}
	fmt.Fprintf(w, "raftbench: scenario %s, %s, %s in all, seed %d, %s, %s\n",
		o.Scenario, english.Count(len(e.Settings), "setting"), english.Count(e.TotalTrials(), "trial"), o.Seed, english.Count(o.Parallel, "worker"), o.RuntimeText())
	if !o.Shard.Whole() {
		fmt.Fprintf(w, "  shard %v: %d of the sweep's %s (those whose index in sweep order is %d modulo %d)\n", o.Shard, e.RunTrials(),
			english.Count(e.TotalTrials(), "trial"), o.Shard.K, o.Shard.N)
	}
	fmt.Fprintf(w, "  heartbeat intervals: %s\n", strings.Join(iv, ", "))
	fmt.Fprintf(w, "  election timeouts:   %s\n\n", strings.Join(e.Timeouts, ", "))
}
