package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/sim"
	"github.com/raftbench/raftbench/traces"
)

// runTracing is the trace exporters of one command, if any.
type runTracing struct {
	setup  *traces.Setup
	stderr io.Writer
}

// traceFlags declares the tracing flags kept beside their wiring.
func traceFlags(c *cli) {
	plain(c, c.fs.BoolVar, &c.tracing.Block, "trace-block",
		"with -otlp-endpoint: wait for a slow receiver instead of dropping spans (the run ends by saying how many were dropped)", "-trace-block")
	plain(c, c.fs.BoolVar, &c.traceAll, "trace-all",
		"with -otlp-endpoint or -trace-file: record every round of a traced trial, the heartbeats of its setup and fault-free window too "+
			"(by default a trace holds the measured phase, fault to stable leader, in full and the elections after it, and sums up the setup and the window in one span each); "+
			"a trial traced in full costs about 7x an untraced one, against about 2.5x by default",
		"-trace-file trial.otlp.json -trace-all")
}

// startTracing sets up exporters from the flags (checked while parsing) and
// hooks them to the trials; without trace flags it does nothing.
func startTracing(ctx context.Context, c *cli, o *bench.Options, stderr io.Writer) (*runTracing, error) {
	cfg := c.tracing
	if !cfg.Enabled() {
		return &runTracing{}, nil
	}
	cfg.Errors = stderr
	setup, err := traces.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	o.Trace = &bench.TraceConfig{Root: setup.Root(), Peer: setup.Peer, All: c.traceAll}
	if o.Runtime == sim.Process {
		// Peer processes export their own spans; a file is this process's.
		o.Trace.PeerEndpoint, o.Trace.PeerProtocol = cfg.Endpoint, cfg.Protocol
		if cfg.Endpoint == "" {
			fmt.Fprintln(stderr, "raftbench: warning: with -runtime process the peers are other processes and send their spans only to an -otlp-endpoint; -trace-file holds each trial's own spans (setup, failover, fault-free window)")
		}
	}
	return &runTracing{setup: setup, stderr: stderr}, nil
}

// stop flushes the spans, waiting at most a few seconds for a receiver
// (longer with -trace-block), and says in one line where they went and how
// many were dropped.
func (t *runTracing) stop() error {
	if t.setup == nil {
		return nil
	}
	wait := 10 * time.Second
	if t.setup.Blocking() {
		wait = time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err := t.setup.Shutdown(ctx)
	fmt.Fprintln(t.stderr, t.setup.Summary())
	return err
}
