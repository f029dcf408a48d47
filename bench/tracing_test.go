package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
	"github.com/raftbench/raftbench/traces"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// memoryTracing returns a TraceConfig whose spans land in exp, one service
// per peer as the CLI sets it up.
func memoryTracing(exp *tracetest.InMemoryExporter, epoch time.Time) *TraceConfig {
	provider := func(service string) trace.Tracer {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
			sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))))
		return tp.Tracer("raftbench-test")
	}
	peers := map[int]trace.Tracer{}
	return &TraceConfig{
		Root: provider("raftbench"),
		Peer: func(i int) trace.Tracer {
			if peers[i] == nil {
				peers[i] = provider(fmt.Sprintf("raft-peer-%d", i))
			}
			return peers[i]
		},
		Epoch: epoch,
	}
}

// fileTracing is the CLI's tracing with -trace-file: the SDK, one
// provider per service, the file exporter.
func fileTracing(tb testing.TB) *TraceConfig {
	s, err := traces.New(context.Background(), traces.Config{File: filepath.Join(tb.TempDir(), "trace.json")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Shutdown(context.Background()) })
	return &TraceConfig{Root: s.Root(), Peer: s.Peer, Epoch: time.Now()}
}

func attrInt(s tracetest.SpanStub, key string) int {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return int(kv.Value.AsInt64())
		}
	}
	return -1
}

func attrValue(s tracetest.SpanStub, key string) attribute.Value {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func service(s tracetest.SpanStub) string {
	v, _ := s.Resource.Set().Value(semconv.ServiceNameKey)
	return v.AsString()
}

func TestTraceOfLeaderCrashTrial(t *testing.T) {
	exp, epoch, tr := tracedLeaderCrash()
	r, events, err := RunTrial(tr)
	if err != nil || !r.Converged() {
		t.Fatalf("trial: %v, %+v", err, r)
	}
	spans := exp.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	count := map[string]int{}
	var root tracetest.SpanStub
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s
		count[s.Name]++
		if !s.Parent.IsValid() {
			root = s
			count["trial"]++
		}
	}
	if count["trial"] != 1 || root.Parent.IsValid() || service(root) != "raftbench" {
		t.Fatalf("want one parentless trial span of service raftbench; got %d (parent %v, service %q)", count["trial"], root.Parent, service(root))
	}
	// Every span belongs to the trial's trace.
	for _, s := range spans {
		if s.SpanContext.TraceID() != root.SpanContext.TraceID() {
			t.Fatalf("span %s is in another trace", s.Name)
		}
	}
	// Span counts match the RPCs the network counted.
	n := tr.Setting.Nodes
	checks := []struct {
		name string
		got  int
		want int
	}{
		{"askVoteFromPeer", count["askVoteFromPeer"], r.Total.RequestVote.Sent},
		{"RequestVote", count["RequestVote"], r.Total.RequestVote.Delivered},
		{"replicateToPeer", count["replicateToPeer"], r.Total.AppendEntries.Sent},
		{"AppendEntries", count["AppendEntries"], r.Total.AppendEntries.Delivered},
		{"startElection x (n-1)", count["startElection"] * (n - 1), count["askVoteFromPeer"]},
		{"startReplication x (n-1)", count["startReplication"] * (n - 1), count["replicateToPeer"]},
	}
	for _, c := range checks {
		if c.got != c.want || c.want == 0 {
			t.Errorf("%s: %d spans; want %d (and more than none)", c.name, c.got, c.want)
		}
	}
	// The tree: rounds under the trial, per-peer calls under their round,
	// handlers under the call that reached them, each in its peer's service.
	for _, s := range spans {
		parent, ok := byID[s.Parent.SpanID()]
		switch s.Name {
		case "startElection", "startReplication", "failover":
			if !ok || parent.Parent.IsValid() {
				t.Fatalf("%s's parent is %q; want the trial", s.Name, parent.Name)
			}
		case "askVoteFromPeer":
			if !ok || parent.Name != "startElection" || attrInt(parent, "raft.candidate") != attrInt(s, "raft.candidate") {
				t.Fatalf("askVoteFromPeer's parent is %q of candidate %d", parent.Name, attrInt(parent, "raft.candidate"))
			}
			if service(s) != fmt.Sprintf("raft-peer-%d", attrInt(s, "raft.candidate")) || s.SpanKind != trace.SpanKindClient {
				t.Fatalf("askVoteFromPeer of candidate %d in service %q, kind %v", attrInt(s, "raft.candidate"), service(s), s.SpanKind)
			}
		case "RequestVote":
			if !ok || parent.Name != "askVoteFromPeer" || attrInt(parent, "raft.peer") != attrInt(s, "raft.voter") {
				t.Fatalf("RequestVote handler of voter %d under %q to peer %d", attrInt(s, "raft.voter"), parent.Name, attrInt(parent, "raft.peer"))
			}
			if service(s) != fmt.Sprintf("raft-peer-%d", attrInt(s, "raft.voter")) || s.SpanKind != trace.SpanKindServer {
				t.Fatalf("RequestVote handler of voter %d in service %q", attrInt(s, "raft.voter"), service(s))
			}
		case "replicateToPeer":
			if !ok || parent.Name != "startReplication" {
				t.Fatalf("replicateToPeer's parent is %q", parent.Name)
			}
		case "AppendEntries":
			if !ok || parent.Name != "replicateToPeer" || attrInt(parent, "raft.peer") != attrInt(s, "raft.follower") {
				t.Fatalf("AppendEntries handler of %d under %q to %d", attrInt(s, "raft.follower"), parent.Name, attrInt(parent, "raft.peer"))
			}
		}
	}
	// Virtual timestamps are exact: every election round starts when its
	// candidate's StateChange happened, the trial spans the whole run, and
	// the crash event sits at the crash.
	candidates := map[[2]int]time.Duration{}
	var crashAt time.Duration
	for _, e := range events {
		if e.Kind == sim.StateChange && e.Role == raft.Candidate {
			candidates[[2]int{e.Peer, e.Term}] = e.At
		}
		if e.Kind == sim.Fault && e.Fault == "crash" {
			crashAt = e.At
		}
	}
	won := 0
	for _, s := range spans {
		if s.Name != "startElection" {
			continue
		}
		at, ok := candidates[[2]int{attrInt(s, "raft.candidate"), attrInt(s, "raft.term")}]
		if !ok || !s.StartTime.Equal(epoch.Add(at)) {
			t.Fatalf("election round of peer %d term %d starts at %v; its candidacy began at %v", attrInt(s, "raft.candidate"), attrInt(s, "raft.term"), s.StartTime.Sub(epoch), at)
		}
		if attrValue(s, "raft.outcome").AsString() == raft.OutcomeWon {
			won++
			if attrInt(s, "raft.votes_granted") < n/2+1 {
				t.Fatalf("a won round with %d votes", attrInt(s, "raft.votes_granted"))
			}
		}
	}
	if won != 2 { // the first leader and its successor
		t.Errorf("%d won election rounds; want 2", won)
	}
	if !root.StartTime.Equal(epoch) || !root.EndTime.Equal(epoch.Add(r.Run)) {
		t.Errorf("trial span %v..%v; want %v..%v", root.StartTime.Sub(epoch), root.EndTime.Sub(epoch), time.Duration(0), r.Run)
	}
	foundCrash := false
	for _, ev := range root.Events {
		if ev.Name == "crash" && ev.Time.Equal(epoch.Add(crashAt)) {
			foundCrash = true
		}
	}
	if !foundCrash {
		t.Error("no crash event at the crash time on the trial span")
	}
}

// Untraced trials must not notice tracing exists: the same seed gives the
// same result traced or not.
func TestTracingChangesNoResult(t *testing.T) {
	tr := Trial{
		Setting: Setting{Interval: 50 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: sim.Normal{Mean: 5 * ms, StdDev: ms}, Loss: 0.02},
		Options: Options{Scenario: LeaderCrash, Limit: 10 * time.Second, Quiet: time.Second}, Seed: 5,
	}
	plain, _, err := RunTrial(tr)
	if err != nil {
		t.Fatal(err)
	}
	tr.Trace = memoryTracing(tracetest.NewInMemoryExporter(), time.Now())
	traced, _, err := RunTrial(tr)
	if err != nil || traced != plain {
		t.Fatalf("traced %+v (%v)\nplain  %+v", traced, err, plain)
	}
}

// Every RPC span says how its call ended — including calls the end of the
// trial cut off — and a vote request that outlived its election round
// says so.
func TestRPCSpansCarryTheirOutcome(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	epoch := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	outcomes := map[string]int{}
	outlived := 0
	for seed := range uint64(5) {
		exp.Reset()
		tr := Trial{
			Setting: Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}, Loss: 0.05},
			Options: Options{Scenario: LeaderCrash, Limit: 10 * time.Second, Quiet: 300 * ms},
			Seed:    seed, Trace: memoryTracing(exp, epoch),
		}
		if _, _, err := RunTrial(tr); err != nil {
			t.Fatal(err)
		}
		byID := map[trace.SpanID]tracetest.SpanStub{}
		for _, s := range exp.GetSpans() {
			byID[s.SpanContext.SpanID()] = s
		}
		for _, s := range exp.GetSpans() {
			if s.Name != "askVoteFromPeer" && s.Name != "replicateToPeer" {
				continue
			}
			o := attrValue(s, "rpc.outcome").AsString()
			outcomes[o]++
			if o != raft.RPCReplied && s.Status.Code != codes.Error {
				t.Errorf("%s with outcome %q has status %v; want an error", s.Name, o, s.Status)
			}
			parent := byID[s.Parent.SpanID()]
			if s.Name == "askVoteFromPeer" && s.EndTime.After(parent.EndTime) {
				outlived++
				if !attrValue(s, "raft.round_over").AsBool() && o != raft.RPCCutOff {
					t.Errorf("askVoteFromPeer ends %v after its round and does not say so", s.EndTime.Sub(parent.EndTime))
				}
			}
		}
	}
	if outcomes[""] > 0 || outcomes[raft.RPCReplied] == 0 || outcomes[raft.RPCNoReply] == 0 || outcomes[raft.RPCCutOff] == 0 || outlived == 0 {
		t.Fatalf("RPC outcomes %v, %d vote requests outliving their round; want every span marked, and each kind seen", outcomes, outlived)
	}
}

// Each trace is named by its scenario, setting and trial; a span covers
// exactly the failover, with its downtime; a replay says it is one.
func TestTraceNamesAndFailoverSpan(t *testing.T) {
	exp, epoch, tr := tracedLeaderCrash()
	tr.Point, tr.Index = 2, 7
	r, events, err := RunTrial(tr)
	if err != nil || !r.Converged() {
		t.Fatalf("trial: %v, %+v", err, r)
	}
	var crashAt time.Duration
	for _, e := range events {
		if e.Kind == sim.Fault && e.Fault == "crash" {
			crashAt = e.At
		}
	}
	var root, failover []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if !s.Parent.IsValid() {
			root = append(root, s)
		}
		if s.Name == "failover" {
			failover = append(failover, s)
		}
	}
	want := "leader-crash, interval 75ms, timeout 150ms..300ms, 5 nodes, latency 5ms, loss 0: point 2 trial 7"
	if len(root) != 1 || root[0].Name != want {
		t.Fatalf("root spans %d, named %q; want one named %q", len(root), root[0].Name, want)
	}
	if len(failover) != 1 {
		t.Fatalf("%d failover spans; want 1", len(failover))
	}
	f := failover[0]
	if !f.StartTime.Equal(epoch.Add(crashAt)) || !f.EndTime.Equal(epoch.Add(crashAt+r.Stable)) ||
		attrValue(f, "raftbench.downtime_ms").AsFloat64() != toMs(r.Stable) || f.Parent.SpanID() != root[0].SpanContext.SpanID() {
		t.Fatalf("failover span %v..%v downtime %v; want the crash at %v to stable %v later, under the trial",
			f.StartTime.Sub(epoch), f.EndTime.Sub(epoch), attrValue(f, "raftbench.downtime_ms").Emit(), crashAt, r.Stable)
	}

	exp.Reset()
	tr.Trace.Replay, tr.Trace.ReplayPoint, tr.Trace.ReplayTrial = true, 4, 9
	tr.Point, tr.Index = 0, 0
	if _, _, err := RunTrial(tr); err != nil {
		t.Fatal(err)
	}
	for _, s := range exp.GetSpans() {
		if !s.Parent.IsValid() {
			if !strings.HasPrefix(s.Name, "replay of leader-crash") || !strings.Contains(s.Name, "point 4 trial 9") ||
				!attrValue(s, "raftbench.replay").AsBool() || attrInt(s, "raftbench.point") != 4 || attrInt(s, "raftbench.trial") != 9 {
				t.Fatalf("replay's trace %q, attributes %v", s.Name, s.Attributes)
			}
		}
	}
}

// tracedLeaderCrash is a recorded leader-crash trial (seed 11) whose spans
// go to an in-memory exporter, its virtual time zero at a fixed instant.
func tracedLeaderCrash() (*tracetest.InMemoryExporter, time.Time, Trial) {
	exp := tracetest.NewInMemoryExporter()
	epoch := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	return exp, epoch, Trial{
		Setting: Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}},
		Options: Options{Scenario: LeaderCrash, Limit: 10 * time.Second, Quiet: 300 * ms},
		Seed:    11, Record: true, Trace: memoryTracing(exp, epoch),
	}
}
