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

// trialSpans is one trial's spans, by id and by name.
type trialSpans struct {
	all   []tracetest.SpanStub
	byID  map[trace.SpanID]tracetest.SpanStub
	count map[string]int
	root  tracetest.SpanStub
}

// collectTrial checks that spans are one trial's trace — one parentless
// span, of service raftbench, and every span in its trace — and indexes
// them.
func collectTrial(t *testing.T, spans []tracetest.SpanStub) trialSpans {
	t.Helper()
	s := trialSpans{all: spans, byID: map[trace.SpanID]tracetest.SpanStub{}, count: map[string]int{}}
	roots := 0
	for _, span := range spans {
		s.byID[span.SpanContext.SpanID()] = span
		s.count[span.Name]++
		if !span.Parent.IsValid() {
			s.root = span
			roots++
		}
	}
	if roots != 1 || service(s.root) != "raftbench" {
		t.Fatalf("want one parentless trial span of service raftbench; got %d (service %q)", roots, service(s.root))
	}
	for _, span := range spans {
		if span.SpanContext.TraceID() != s.root.SpanContext.TraceID() {
			t.Fatalf("span %s is in another trace", span.Name)
		}
	}
	return s
}

// checkTree checks the tree: rounds and phase spans under the trial,
// per-peer calls under their round, handlers under the call that reached
// them (never orphans), each in its peer's service.
func (s trialSpans) checkTree(t *testing.T) {
	t.Helper()
	for _, span := range s.all {
		parent, ok := s.byID[span.Parent.SpanID()]
		switch span.Name {
		case "startElection", "startReplication", "failover", "setup", "fault-free window":
			if !ok || parent.Parent.IsValid() {
				t.Fatalf("%s's parent is %q; want the trial", span.Name, parent.Name)
			}
		case "askVoteFromPeer":
			if !ok || parent.Name != "startElection" || attrInt(parent, "raft.candidate") != attrInt(span, "raft.candidate") {
				t.Fatalf("askVoteFromPeer's parent is %q of candidate %d", parent.Name, attrInt(parent, "raft.candidate"))
			}
			if service(span) != fmt.Sprintf("raft-peer-%d", attrInt(span, "raft.candidate")) || span.SpanKind != trace.SpanKindClient {
				t.Fatalf("askVoteFromPeer of candidate %d in service %q, kind %v", attrInt(span, "raft.candidate"), service(span), span.SpanKind)
			}
		case "RequestVote":
			if !ok || parent.Name != "askVoteFromPeer" || attrInt(parent, "raft.peer") != attrInt(span, "raft.voter") {
				t.Fatalf("RequestVote handler of voter %d under %q to peer %d", attrInt(span, "raft.voter"), parent.Name, attrInt(parent, "raft.peer"))
			}
			if service(span) != fmt.Sprintf("raft-peer-%d", attrInt(span, "raft.voter")) || span.SpanKind != trace.SpanKindServer {
				t.Fatalf("RequestVote handler of voter %d in service %q", attrInt(span, "raft.voter"), service(span))
			}
		case "replicateToPeer":
			if !ok || parent.Name != "startReplication" {
				t.Fatalf("replicateToPeer's parent is %q", parent.Name)
			}
		case "AppendEntries":
			if !ok || parent.Name != "replicateToPeer" || attrInt(parent, "raft.peer") != attrInt(span, "raft.follower") {
				t.Fatalf("AppendEntries handler of %d under %q to %d", attrInt(span, "raft.follower"), parent.Name, attrInt(parent, "raft.peer"))
			}
		}
	}
}

// checkCounts compares span counts with RPC counts.
func (s trialSpans) checkCounts(t *testing.T, nodes int, rpcs sim.Stats) {
	t.Helper()
	checks := []struct {
		name string
		got  int
		want int
	}{
		{"askVoteFromPeer", s.count["askVoteFromPeer"], rpcs.RequestVote.Sent},
		{"RequestVote", s.count["RequestVote"], rpcs.RequestVote.Delivered},
		{"replicateToPeer", s.count["replicateToPeer"], rpcs.AppendEntries.Sent},
		{"AppendEntries", s.count["AppendEntries"], rpcs.AppendEntries.Delivered},
		{"startElection x (n-1)", s.count["startElection"] * (nodes - 1), s.count["askVoteFromPeer"]},
		{"startReplication x (n-1)", s.count["startReplication"] * (nodes - 1), s.count["replicateToPeer"]},
	}
	for _, c := range checks {
		if c.got != c.want || c.want == 0 {
			t.Errorf("%s: %d spans; want %d (and more than none)", c.name, c.got, c.want)
		}
	}
}

// checkMeasuredCounts checks a default trace of a leader-crash trial
// without loss against the trial's RPC counters: one client span per call
// of the measured phase (r.Window) and of the elections after it (r.Quiet:
// without loss nothing elects between the phase and the window), one round
// span per n-1 calls, and a handler span per call delivered.
//
// Handler spans follow their calls, the phase's counters the clock, so at
// the phase's two edges they part in known ways. A crash less than the
// latency after the leader's last round leaves that round's calls in
// flight: they land in the phase, counted there, from a round that was not
// recorded. And the new leader's first round may reach the crashed peer at
// the very instant the phase ends, once the peer has restarted: a recorded
// call delivered after the phase. It reports which edges the trial has.
func checkMeasuredCounts(t *testing.T, s trialSpans, r Result, events []sim.Event, nodes int, latency time.Duration) (early, late int) {
	t.Helper()
	crashed := -1
	for _, e := range events {
		if e.Kind == sim.Fault && e.Fault == "crash" {
			crashed = e.Peer
		}
	}
	if r.CrashOffset < latency {
		early = nodes - 1
	}
	for _, span := range s.all {
		if span.Name == "AppendEntries" && attrInt(span, "raft.follower") == crashed {
			late++
		}
	}
	w, q := r.Window, r.Quiet
	checks := []struct {
		name      string
		got, want int
	}{
		{"askVoteFromPeer", s.count["askVoteFromPeer"], w.RequestVote.Sent + q.RequestVote.Sent},
		{"RequestVote", s.count["RequestVote"], w.RequestVote.Delivered + q.RequestVote.Delivered},
		{"replicateToPeer", s.count["replicateToPeer"], w.AppendEntries.Sent},
		{"AppendEntries", s.count["AppendEntries"], w.AppendEntries.Delivered - early + late},
		{"startElection x (n-1)", s.count["startElection"] * (nodes - 1), s.count["askVoteFromPeer"]},
		{"startReplication x (n-1)", s.count["startReplication"] * (nodes - 1), s.count["replicateToPeer"]},
	}
	for _, c := range checks {
		if c.got != c.want || c.want == 0 {
			t.Errorf("seed %d: %s: %d spans; want %d (and more than none)", r.Seed, c.name, c.got, c.want)
		}
	}
	if late > 1 {
		t.Errorf("seed %d: %d AppendEntries handler spans of the crashed peer %d; want at most the one at its restart", r.Seed, late, crashed)
	}
	if want := 4 + s.count["askVoteFromPeer"] + s.count["RequestVote"] + s.count["replicateToPeer"] + s.count["AppendEntries"] +
		s.count["startElection"] + s.count["startReplication"]; len(s.all) != want {
		t.Errorf("seed %d: %d spans; want the trial, failover, setup and window and the rounds' %d", r.Seed, len(s.all), want-4)
	}
	return early, late
}

// one returns the only span named name, under the trial.
func (s trialSpans) one(t *testing.T, name string) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, span := range s.all {
		if span.Name == name {
			found = append(found, span)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %q spans; want 1", len(found), name)
	}
	return found[0]
}

// crashTime is when events say the trial's crash happened.
func crashTime(t *testing.T, events []sim.Event) time.Duration {
	t.Helper()
	for _, e := range events {
		if e.Kind == sim.Fault && e.Fault == "crash" {
			return e.At
		}
	}
	t.Fatal("no crash in the trial's timeline")
	return 0
}

// checkElectionTimes checks that every election round's span starts when
// its candidate's StateChange happened (virtual timestamps are exact), and
// returns how many were won.
func (s trialSpans) checkElectionTimes(t *testing.T, epoch time.Time, events []sim.Event, nodes int) (won int) {
	t.Helper()
	candidates := map[[2]int]time.Duration{}
	for _, e := range events {
		if e.Kind == sim.StateChange && e.Role == raft.Candidate {
			candidates[[2]int{e.Peer, e.Term}] = e.At
		}
	}
	for _, span := range s.all {
		if span.Name != "startElection" {
			continue
		}
		at, ok := candidates[[2]int{attrInt(span, "raft.candidate"), attrInt(span, "raft.term")}]
		if !ok || !span.StartTime.Equal(epoch.Add(at)) {
			t.Fatalf("election round of peer %d term %d starts at %v; its candidacy began at %v", attrInt(span, "raft.candidate"), attrInt(span, "raft.term"), span.StartTime.Sub(epoch), at)
		}
		if attrValue(span, "raft.outcome").AsString() == raft.OutcomeWon {
			won++
			if attrInt(span, "raft.votes_granted") < nodes/2+1 {
				t.Fatalf("a won round with %d votes", attrInt(span, "raft.votes_granted"))
			}
		}
	}
	return won
}

// By default a trace records the measured phase in full, from the crash to
// a stable leader, and nothing of the setup's or the fault-free window's
// heartbeat rounds: its RPC spans are the measured phase's RPCs.
func TestTraceOfLeaderCrashTrial(t *testing.T) {
	exp, epoch, tr := tracedLeaderCrash()
	r, events, err := RunTrial(tr)
	if err != nil || !r.Converged() {
		t.Fatalf("trial: %v, %+v", err, r)
	}
	if r.QuietElections != 0 {
		t.Fatalf("seed %d has %d elections in its fault-free window; the counts below assume none", tr.Seed, r.QuietElections)
	}
	s := collectTrial(t, exp.GetSpans())
	s.checkTree(t)
	n := tr.Setting.Nodes
	checkMeasuredCounts(t, s, r, events, n, 5*ms)
	if s.count["replicateToPeer"] >= r.Total.AppendEntries.Sent/2 {
		t.Errorf("%d replicateToPeer spans of %d AppendEntries in the trial; most heartbeats are outside the measured phase", s.count["replicateToPeer"], r.Total.AppendEntries.Sent)
	}
	// Every round starts in the measured phase, and every heartbeat round
	// of the measured phase is there.
	crashAt := crashTime(t, events)
	from, to := epoch.Add(crashAt), epoch.Add(crashAt+r.Phase)
	for _, span := range s.all {
		if (span.Name == "startElection" || span.Name == "startReplication") && (span.StartTime.Before(from) || span.StartTime.After(to)) {
			t.Errorf("%s at %v, outside the measured phase %v..%v", span.Name, span.StartTime.Sub(epoch), crashAt, crashAt+r.Phase)
		}
	}
	beats := 0
	for _, e := range events {
		if e.Kind == sim.HeartbeatRound && e.At >= crashAt && e.At <= crashAt+r.Phase {
			beats++
		}
	}
	if s.count["startReplication"] != beats {
		t.Errorf("%d startReplication spans; the measured phase had %d heartbeat rounds", s.count["startReplication"], beats)
	}
	if won := s.checkElectionTimes(t, epoch, events, n); won != 1 { // the successor; the first leader's is in the setup
		t.Errorf("%d won election rounds; want 1", won)
	}
	root := s.root
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

// The span counts follow from the counters, trial after trial, edges of
// the measured phase included.
func TestSpanCountsFollowTheMeasuredPhase(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	edges := map[string]int{}
	for seed := range uint64(300) {
		exp.Reset()
		tr := Trial{
			Setting: Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}},
			Options: Options{Scenario: LeaderCrash, Limit: 10 * time.Second, Quiet: 300 * ms},
			Seed:    seed, Record: true, Trace: memoryTracing(exp, time.Now()),
		}
		r, events, err := RunTrial(tr)
		if err != nil || !r.Converged() {
			t.Fatalf("seed %d: %v, %+v", seed, err, r)
		}
		s := collectTrial(t, exp.GetSpans())
		early, late := checkMeasuredCounts(t, s, r, events, tr.Setting.Nodes, 5*ms)
		if early > 0 {
			edges["a round in flight at the crash"]++
		}
		if late > 0 {
			edges["a call reaching the restarted peer"]++
		}
	}
	if len(edges) != 2 {
		t.Errorf("edges seen %v; want both, so that the counts are checked across them", edges)
	}
}

// With TraceConfig.All (raftbench -trace-all) every round of every phase
// is recorded: the spans are the whole trial's RPCs.
func TestTraceAllRecordsEveryRound(t *testing.T) {
	exp, epoch, tr := tracedLeaderCrash()
	tr.Trace.All = true
	r, events, err := RunTrial(tr)
	if err != nil || !r.Converged() {
		t.Fatalf("trial: %v, %+v", err, r)
	}
	s := collectTrial(t, exp.GetSpans())
	s.checkTree(t)
	s.checkCounts(t, tr.Setting.Nodes, r.Total)
	beats := 0
	for _, e := range events {
		if e.Kind == sim.HeartbeatRound {
			beats++
		}
	}
	if s.count["startReplication"] != beats {
		t.Errorf("%d startReplication spans; the trial had %d heartbeat rounds", s.count["startReplication"], beats)
	}
	if won := s.checkElectionTimes(t, epoch, events, tr.Setting.Nodes); won != 2 { // the first leader and its successor
		t.Errorf("%d won election rounds; want 2", won)
	}
}

// The setup (boot to crash) and the fault-free window are one span each,
// whose attributes say what happened in them, here counted again from the
// trial's own timeline; with or without -trace-all.
func TestSetupAndWindowSpansSumUpTheirPhases(t *testing.T) {
	for _, all := range []bool{false, true} {
		t.Run(fmt.Sprintf("all=%v", all), func(t *testing.T) {
			exp, epoch, tr := tracedLeaderCrash()
			tr.Trace.All = all
			r, events, err := RunTrial(tr)
			if err != nil || !r.Converged() || r.QuietRun <= 0 {
				t.Fatalf("trial: %v, %+v", err, r)
			}
			s := collectTrial(t, exp.GetSpans())
			n := tr.Setting.Nodes
			crashAt := crashTime(t, events)
			windowAt := r.Run - r.QuietRun // the window is the trial's last phase
			var setupBeats, candidacies, leaders, windowBeats int
			terms := map[int]bool{}
			roundAt := map[time.Duration]bool{}
			for _, e := range events {
				switch {
				case e.At < crashAt && e.Kind == sim.HeartbeatRound:
					setupBeats++
				case e.At < crashAt && e.Kind == sim.StateChange && e.Role == raft.Candidate:
					candidacies++
					terms[e.Term] = true
				case e.At < crashAt && e.Kind == sim.StateChange && e.Role == raft.Leader:
					leaders++
				case e.At >= windowAt && e.Kind == sim.HeartbeatRound:
					windowBeats++
				}
				if e.Kind == sim.HeartbeatRound {
					roundAt[e.At] = true
				}
			}
			// The window starts half an interval after a heartbeat round.
			if !roundAt[windowAt-tr.Setting.Interval/2] {
				t.Fatalf("no heartbeat round half an interval before the window's start %v", windowAt)
			}
			setup := s.one(t, "setup")
			window := s.one(t, "fault-free window")
			for _, c := range []struct {
				span     tracetest.SpanStub
				from, to time.Duration
				want     map[string]int
			}{
				{setup, 0, crashAt, map[string]int{
					"raftbench.heartbeat_rounds": setupBeats, "raftbench.append_entries": setupBeats * (n - 1),
					"raftbench.election_rounds": len(terms), "raftbench.request_votes": candidacies * (n - 1),
					"raftbench.leaders_elected": leaders, "raftbench.split_votes": 0, "raftbench.dropped_calls": 0}},
				{window, windowAt, r.Run, map[string]int{
					"raftbench.heartbeat_rounds": windowBeats, "raftbench.append_entries": windowBeats * (n - 1),
					"raftbench.election_rounds": r.QuietElections, "raftbench.request_votes": r.Quiet.RequestVote.Sent,
					"raftbench.leaders_elected": r.QuietLeaderChanges, "raftbench.dropped_calls": 0}},
			} {
				if c.span.Parent.SpanID() != s.root.SpanContext.SpanID() || !c.span.StartTime.Equal(epoch.Add(c.from)) || !c.span.EndTime.Equal(epoch.Add(c.to)) {
					t.Errorf("%s span %v..%v; want %v..%v under the trial", c.span.Name, c.span.StartTime.Sub(epoch), c.span.EndTime.Sub(epoch), c.from, c.to)
				}
				for key, want := range c.want {
					if got := attrInt(c.span, key); got != want {
						t.Errorf("%s span: %s = %d; want %d", c.span.Name, key, got, want)
					}
				}
				if recorded := attrValue(c.span, "raftbench.recorded_rounds").AsString(); all != (recorded == "every round") || (!all && !strings.Contains(recorded, "-trace-all")) {
					t.Errorf("%s span (all=%v) says recorded_rounds %q", c.span.Name, all, recorded)
				}
			}
			if setupBeats == 0 || windowBeats == 0 || leaders != 1 {
				t.Errorf("setup of %d heartbeat rounds and %d leaders, window of %d rounds: not the trial this test is about", setupBeats, leaders, windowBeats)
			}
		})
	}
}

// A spurious election in the fault-free window is traced — its round, its
// calls and the votes they asked for — while the window's heartbeat rounds
// are not.
func TestFaultFreeWindowElectionIsTraced(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	epoch := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tr := Trial{
		// Lossy enough that followers miss heartbeats and time out.
		Setting: Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 150 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}, Loss: 0.25},
		Options: Options{Scenario: LeaderCrash, Limit: 10 * time.Second, Quiet: 2 * time.Second},
		Record:  true, Trace: memoryTracing(exp, epoch),
	}
	var r Result
	var events []sim.Event
	for seed := range uint64(50) {
		exp.Reset()
		tr.Seed = seed
		var err error
		if r, events, err = RunTrial(tr); err != nil {
			t.Fatal(err)
		}
		if r.Converged() && r.QuietElections > 0 {
			break
		}
	}
	if !r.Converged() || r.QuietElections == 0 {
		t.Fatal("no seed below 50 gave a converged trial with an election in its fault-free window")
	}
	s := collectTrial(t, exp.GetSpans())
	s.checkTree(t)
	windowAt := r.Run - r.QuietRun
	from := crashTime(t, events) + r.Phase // the measured phase's end
	// Every candidacy after the measured phase has its round, with a call
	// to every other peer.
	want := map[[2]int]bool{}
	for _, e := range events {
		if e.Kind == sim.StateChange && e.Role == raft.Candidate && e.At > from {
			want[[2]int{e.Peer, e.Term}] = true
		}
	}
	inWindow := 0
	calls := map[trace.SpanID]int{}
	for _, span := range s.all {
		if span.Name == "askVoteFromPeer" {
			calls[span.Parent.SpanID()]++
		}
	}
	for _, span := range s.all {
		at := span.StartTime.Sub(epoch)
		switch {
		case span.Name == "startReplication" && at > from:
			t.Errorf("a heartbeat round at %v, after the measured phase ended at %v", at, from)
		case span.Name == "startElection" && at > from:
			delete(want, [2]int{attrInt(span, "raft.candidate"), attrInt(span, "raft.term")})
			if calls[span.SpanContext.SpanID()] != s.count["askVoteFromPeer"]/s.count["startElection"] || calls[span.SpanContext.SpanID()] != tr.Setting.Nodes-1 {
				t.Errorf("election round of peer %d in term %d has %d askVoteFromPeer spans; want %d", attrInt(span, "raft.candidate"), attrInt(span, "raft.term"), calls[span.SpanContext.SpanID()], tr.Setting.Nodes-1)
			}
			if at >= windowAt {
				inWindow++
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("candidacies after the measured phase without an election round span: %v", want)
	}
	if inWindow == 0 || s.count["RequestVote"] == 0 {
		t.Errorf("%d election rounds traced in the window, %d RequestVote handler spans; the window had %d elections", inWindow, s.count["RequestVote"], r.QuietElections)
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
	for _, all := range []bool{false, true} {
		tr.Trace = memoryTracing(tracetest.NewInMemoryExporter(), time.Now())
		tr.Trace.All = all
		traced, _, err := RunTrial(tr)
		if err != nil || traced != plain {
			t.Fatalf("traced (all=%v) %+v (%v)\nplain  %+v", all, traced, err, plain)
		}
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

// Under the real-time runtime the peers ask which rounds to record from
// their own goroutines while the runner moves the trial on: the trace
// still holds whole rounds only, and its setup and failover (run with
// -race, this also checks the phase is shared safely).
func TestTracedRealtimeTrial(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tr := Trial{
		Setting: Setting{Interval: 50 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 3, Latency: sim.Constant{D: ms}},
		Options: Options{Scenario: LeaderCrash, Limit: 10 * time.Second, Quiet: 200 * ms, Runtime: sim.Realtime},
		Seed:    1, Trace: memoryTracing(exp, time.Time{}),
	}
	r, _, err := RunTrial(tr)
	if err != nil || !r.Converged() {
		t.Fatalf("trial: %v, %+v", err, r)
	}
	s := collectTrial(t, exp.GetSpans())
	s.checkTree(t)
	s.one(t, "setup")
	f := s.one(t, "failover")
	if s.count["startElection"] == 0 || s.count["startReplication"] == 0 {
		t.Errorf("spans %v; want the measured phase's election and heartbeat rounds", s.count)
	}
	// Heartbeat rounds only in the measured phase, which the failover span
	// covers (give or take the runner's reaction and the clocks' origins).
	const slack = time.Millisecond
	for _, span := range s.all {
		if span.Name == "startReplication" && (span.StartTime.Before(f.StartTime.Add(-slack)) || span.StartTime.After(f.EndTime.Add(slack))) {
			t.Errorf("a heartbeat round at %v, outside the failover %v..%v", span.StartTime.Sub(s.root.StartTime),
				f.StartTime.Sub(s.root.StartTime), f.EndTime.Sub(s.root.StartTime))
		}
	}
}
