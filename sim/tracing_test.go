package sim

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// dropNames samples every span except those with the given names.
type dropNames map[string]bool

func (d dropNames) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if d[p.Name] {
		return sdktrace.SamplingResult{Decision: sdktrace.Drop}
	}
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
}

func (d dropNames) Description() string { return fmt.Sprint("dropNames", d) }

// A sampler keyed on span name may drop a round's children and keep the
// round: the round's bookkeeping must not depend on its children being
// sampled, or the round span is never ended.
func TestRoundSpansEndWhateverTheSampler(t *testing.T) {
	for _, drop := range []dropNames{
		{},
		{"replicateToPeer": true, "askVoteFromPeer": true},
		{"replicateToPeer": true, "AppendEntries": true, "RequestVote": true},
		{"startReplication": true, "startElection": true},
	} {
		t.Run(drop.Description(), func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(drop), sdktrace.WithSpanProcessor(rec))
			c, err := NewCluster(Config{Nodes: 5, Seed: 3, Raft: labRaft,
				Network: Network{Latency: Constant{D: 5 * time.Millisecond}},
				Tracing: &Tracing{Peer: func(int) trace.Tracer { return tp.Tracer("test") }, Context: context.Background()}})
			if err != nil {
				t.Fatal(err)
			}
			c.RunFor(time.Second)
			leader, ok := c.Leader()
			if !ok {
				t.Fatal("no leader")
			}
			must(t, c.Crash(leader))
			c.RunFor(time.Second)
			must(t, c.Restart(leader))
			// Let every RPC in flight come back, then stop with none pending:
			// the last heartbeat rounds finish within their RPC timeout.
			c.RunFor(time.Second)
			c.Stop()
			must(t, c.Err())

			started := map[string]int{}
			for _, s := range rec.Started() {
				started[s.Name()]++
			}
			ended := map[string]int{}
			for _, s := range rec.Ended() {
				ended[s.Name()]++
			}
			for name := range drop {
				if started[name] != 0 {
					t.Errorf("%d %s spans recorded; the sampler drops them", started[name], name)
				}
			}
			// Every span kept ends: the rounds (the bug this guards), and the
			// per-RPC spans and handlers, also when their round was dropped.
			for _, name := range []string{"startElection", "startReplication", "askVoteFromPeer", "replicateToPeer", "RequestVote", "AppendEntries"} {
				if drop[name] {
					continue
				}
				if started[name] == 0 {
					t.Errorf("no %s spans recorded", name)
				}
				if started[name] != ended[name] {
					t.Errorf("%s: %d spans started, %d ended", name, started[name], ended[name])
				}
			}
		})
	}
}
