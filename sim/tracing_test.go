package sim

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
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

// Tracing.Record declines whole rounds: a declined round records no span,
// its calls none, and the handlers they reach none either (no orphan
// handler spans under the base context); the gate flips while the peers
// run, from the test's goroutine, on both runtimes.
func TestRecordDeclinesWholeRounds(t *testing.T) {
	runtimes(t, func(t *testing.T, kind RuntimeKind) {
		const (
			none = iota
			elections
			all
		)
		var mode atomic.Int32 // none until flipped
		record := func(k raft.RoundKind) bool {
			switch mode.Load() {
			case all:
				return true
			case elections:
				return k == raft.ElectionRound
			}
			return false
		}
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		epoch := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
		base, root := tp.Tracer("test").Start(context.Background(), "trial")
		c, err := NewCluster(Config{Nodes: 5, Seed: 3, Raft: labRaft, Runtime: kind,
			Network: Network{Latency: Constant{D: 5 * time.Millisecond}},
			Tracing: &Tracing{Peer: func(int) trace.Tracer { return tp.Tracer("test") }, Context: base, Epoch: epoch, Record: record}})
		if err != nil {
			t.Fatal(err)
		}
		if kind == Realtime {
			epoch = c.eng.(*realtime).start
		}
		c.RunFor(time.Second) // the first election and its heartbeats: declined
		leader, ok := c.Leader()
		if !ok {
			t.Fatal("no leader")
		}
		electionsAt := c.Now()
		mode.Store(elections)
		must(t, c.Crash(leader)) // an election that is recorded, heartbeats that are not
		c.RunFor(time.Second)
		allAt := c.Now()
		mode.Store(all)
		c.RunFor(500 * time.Millisecond)
		c.Stop()
		root.End()
		must(t, c.Err())

		started := map[string]int{}
		byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
		for _, s := range rec.Started() {
			started[s.Name()]++
			byID[s.SpanContext().SpanID()] = s
		}
		if len(rec.Ended()) != len(rec.Started()) {
			t.Errorf("%d spans started, %d ended", len(rec.Started()), len(rec.Ended()))
		}
		for _, name := range []string{"startElection", "askVoteFromPeer", "RequestVote", "startReplication", "replicateToPeer", "AppendEntries"} {
			if started[name] == 0 {
				t.Errorf("no %s spans recorded", name)
			}
		}
		caller := map[string]string{"RequestVote": "askVoteFromPeer", "AppendEntries": "replicateToPeer",
			"askVoteFromPeer": "startElection", "replicateToPeer": "startReplication", "startElection": "trial", "startReplication": "trial"}
		for _, s := range rec.Started() {
			if s.Name() == "trial" {
				continue
			}
			parent, ok := byID[s.Parent().SpanID()]
			if !ok || parent.Name() != caller[s.Name()] {
				t.Fatalf("%s span under %v; want it under a recorded %s", s.Name(), s.Parent().SpanID(), caller[s.Name()])
			}
			at := s.StartTime().Sub(epoch)
			switch s.Name() {
			case "startElection":
				if at < electionsAt {
					t.Errorf("an election round at %v recorded; rounds before %v were declined", at, electionsAt)
				}
			case "startReplication":
				if at < allAt {
					t.Errorf("a heartbeat round at %v recorded; heartbeat rounds before %v were declined", at, allAt)
				}
			}
		}
	})
}
