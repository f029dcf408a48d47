package main

import (
	"context"
	"io"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/traces"
)

// runTracing is the trace exporters of one command, if any.
type runTracing struct{ setup *traces.Setup }

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
	o.Trace = &bench.TraceConfig{Root: setup.Root(), Peer: setup.Peer, Epoch: time.Now()}
	return &runTracing{setup: setup}, nil
}

// stop flushes the spans, waiting at most a few seconds for a receiver.
func (t *runTracing) stop() error {
	if t.setup == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return t.setup.Shutdown(ctx)
}
