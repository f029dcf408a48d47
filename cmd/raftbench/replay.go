package main

import (
	"context"
	"fmt"
	"io"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/internal/english"
	"github.com/raftbench/raftbench/sim"
)

// replay reruns one trial from its seed and prints its timeline.
func replay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	showRPCs := true
	point, trial := -1, -1
	c := replayFlags(&showRPCs, &point, &trial)
	e, code := parseCommandLine(c, args, stdout, stderr)
	if e == nil {
		return code
	}
	if !c.isGiven("seed") {
		fmt.Fprintln(stderr, "raftbench replay: -seed is required: the trial's seed, from the seed column of trials.csv")
		return exitUsage
	}
	if len(e.Settings) != 1 {
		fmt.Fprintf(stderr, "raftbench replay: the flags describe %d settings; give one value each to -interval, -election-timeout, -nodes, -latency and -loss\n", len(e.Settings))
		return exitUsage
	}
	if e.Options.Runtime == sim.Process {
		fmt.Fprintln(stderr, "raftbench replay: -runtime process: a trial of real processes cannot be replayed (its timing is the machine's, not the seed's); replay reruns simulated trials")
		return exitUsage
	}
	s, seed := e.Settings[0], e.Options.Seed
	tracing, err := startTracing(ctx, c, &e.Options, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench replay: %v\n", err)
		return exitUsage
	}
	if e.Options.Trace != nil {
		// The seed alone does not say where the trial sat in its sweep: -point
		// and -trial do, when given (-1 otherwise).
		e.Options.Trace.Replay, e.Options.Trace.ReplayPoint, e.Options.Trace.ReplayTrial = true, point, trial
	}
	r, events, err := bench.RunTrial(bench.Trial{Setting: s, Options: e.Options, Seed: seed, Record: true, Trace: e.Options.Trace})
	if terr := tracing.stop(); terr != nil {
		fmt.Fprintf(stderr, "raftbench replay: -trace-file %q: %v\n", c.tracing.File, terr)
		return exitWrite
	}
	fmt.Fprintf(stdout, "replay of trial seed %d: scenario %s, %v\n\n", seed, e.Options.Scenario, s)
	for _, e := range events {
		if e.Kind == sim.RPCDone && !showRPCs {
			continue
		}
		fmt.Fprintln(stdout, e)
	}
	fmt.Fprintln(stdout)
	printResult(stdout, e.Options.Scenario, r)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench replay: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// replayFlags are the flags of replay: those of a sweep that shape one
// trial, and -rpcs.
func replayFlags(showRPCs *bool, point, trial *int) *cli {
	c := sweepFlags("raftbench replay")
	plain(c, c.fs.BoolVar, showRPCs, "rpcs", "include every RPC's outcome in the timeline", "-rpcs=false")
	plain(c, c.fs.IntVar, point, "point", "the trial's setting in its sweep, from the point column of trials.csv: a traced replay carries it (optional)", "-point 3")
	plain(c, c.fs.IntVar, trial, "trial", "the trial's index in its setting, from the trial column of trials.csv: a traced replay carries it (optional)", "-trial 17")
	c.only([]string{"interval", "election-timeout", "nodes", "latency", "loss", "variant", "fsync", "persist-delay",
		"rpc-timeout", "timer-jitter", "timeout-resolution", "scenario", "eligible", "boot-skew", "duration",
		"quiet", "limit", "seed", "runtime", "otlp-endpoint", "otlp-protocol", "trace-file", "trace-all", "rpcs", "point", "trial"},
		map[string]flagText{
			"interval": {"the trial's heartbeat interval (one value)", "-interval 50ms"},
			"election-timeout": {"the trial's election-timeout range MIN..MAX, as durations or multiples of the interval (default: the paper's rule, min = 2 x interval, max = 2 x min)",
				"-election-timeout 150ms..300ms   -election-timeout 3x..6x"},
			"nodes":   {"the trial's cluster size", "-nodes 3"},
			"latency": {"the trial's one-way latency model: " + sim.LatencyForms, "-latency 5ms   -latency normal:5ms,1ms"},
			"loss":    {"the trial's probability that any one message (request or reply) is lost, in [0,1)", "-loss 0.01"},
			"seed":    {"the trial's seed, from the seed column of trials.csv (required)", "-seed 1234567890"},
			"variant": {"the trial's protocol variant (one value): " + variantHelp(), "-variant etcd"},
		})
	return c
}

func printResult(w io.Writer, sc bench.Scenario, r bench.Result) {
	electedLabel, stableLabel := sc.Labels()
	show := func(label string, d interface{ String() string }, reached bool) {
		if reached {
			fmt.Fprintf(w, "  %-22s %v\n", label+":", d)
		} else {
			fmt.Fprintf(w, "  %-22s not reached\n", label+":")
		}
	}
	switch r.Outcome {
	case bench.Converged:
		fmt.Fprintln(w, "result: converged")
	case bench.NotStarted:
		fmt.Fprintf(w, "result: not started: %s\n", r.Failure)
	default:
		fmt.Fprintf(w, "result: did not converge: %s\n", r.Failure)
	}
	if r.CrashOffset != bench.NotReached {
		fmt.Fprintf(w, "  %-22s %v after the synchronized heartbeat round\n", "crash:", r.CrashOffset)
	}
	show(electedLabel, r.Elected, r.Elected != bench.NotReached)
	show(stableLabel, r.Stable, r.Stable != bench.NotReached)
	if sc == bench.Partition {
		show("old leader stepped down", r.Heal, r.Heal != bench.NotReached)
	}
	fmt.Fprintf(w, "  %-22s %s started, %d without a leader, %s\n", "elections:",
		english.Count(r.Rounds, "term"), r.FailedRounds, english.Count(r.SplitVotes, "split vote"))
	fmt.Fprintf(w, "  %-22s AppendEntries %d, RequestVote %d sent over %v; %s dropped\n", "RPCs:",
		r.Total.AppendEntries.Sent, r.Total.RequestVote.Sent, r.Run, english.Count(r.Dropped(), "call"))
}
