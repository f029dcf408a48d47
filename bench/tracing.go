package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// TraceConfig is where a traced trial's spans go.
type TraceConfig struct {
	// Root records the trial's root span (the run's own service).
	Root trace.Tracer
	// Peer returns peer i's tracer; each peer is its own service.
	Peer func(i int) trace.Tracer
	// Epoch is the wall-clock time virtual time zero maps to; zero: each
	// trial's own start (the exporter then moves a trace that would end in
	// the future back, see traces), so a run's traces do not all start at
	// the same instant.
	Epoch time.Time
	// Replay marks the trace as a replay of one trial (raftbench replay):
	// its name says so and it carries raftbench.replay=true; the trial's
	// place in its sweep is given by ReplayPoint and ReplayTrial when
	// known (negative: not known, and left out).
	Replay                   bool
	ReplayPoint, ReplayTrial int
	// All records every round of every phase (raftbench -trace-all). By
	// default the peers' rounds are recorded in full only in the trial's
	// measured phase (from the fault to a stable leader; cold start and
	// steady: the cold start), election rounds after it, and nothing before
	// it: the setup and the fault-free window are each summed up in one
	// span. A healthy cluster's heartbeat rounds are most of a trial's
	// spans and most of what tracing costs, and not what a trace is
	// opened for.
	All bool
	// PeerEndpoint and PeerProtocol are where peer processes (-runtime
	// process) send their spans: an OTLP receiver (-otlp-endpoint), since
	// they are other processes than the one holding Root and Peer. Empty:
	// peer processes record nothing and the trial's own spans still are.
	// Peer processes record every round (All): the gate above lives in
	// this process.
	PeerEndpoint, PeerProtocol string
}

// TraceName names a trial's trace (its root span) by scenario, setting and
// place in the sweep, so Jaeger's trace list tells the trials apart.
func (t Trial) TraceName() string {
	name := fmt.Sprintf("%s, %v: point %d trial %d", t.Options.Scenario, t.Setting, t.Point, t.Index)
	if t.Trace != nil && t.Trace.Replay {
		name = fmt.Sprintf("replay of %s, %v", t.Options.Scenario, t.Setting)
		if t.Trace.ReplayPoint >= 0 && t.Trace.ReplayTrial >= 0 {
			name += fmt.Sprintf(": point %d trial %d", t.Trace.ReplayPoint, t.Trace.ReplayTrial)
		}
		name += fmt.Sprintf(", seed %d", t.Seed)
	}
	return name
}

// trialSpan is a traced trial's root span; a nil *trialSpan (an untraced
// trial) records nothing and costs nothing.
type trialSpan struct {
	span    trace.Span
	ctx     context.Context
	root    trace.Tracer
	epoch   time.Time
	all     bool          // TraceConfig.All
	faultAt time.Duration // the first injected fault (crash, partition), or -1

	// phase is the trial's tracePhase. The runner moves it on; the peers
	// read it through record, from their own goroutines under the
	// real-time runtime.
	phase atomic.Int32

	// What the setup and the fault-free window did, for their spans.
	// Events come one at a time (the cluster's OnEvent); mu orders them
	// before summarize under the real-time runtime.
	mu          sync.Mutex
	setup       *watch        // the setup's elections (nil: no setup)
	setupBeats  int           // heartbeat rounds in the setup
	setupEnd    time.Duration // when the measured phase began, or -1
	setupRPCs   sim.Stats     // RPCs from the boot to setupEnd
	windowAt    time.Duration // when the fault-free window began, or -1
	windowBeats int           // heartbeat rounds in the window
}

// tracePhase is where a trial is, as far as its trace is concerned.
type tracePhase int32

const (
	// phaseSetup: from the boot to the fault. No peer round is recorded;
	// the setup span sums it up.
	phaseSetup tracePhase = iota
	// phaseMeasured: from the fault to a stable leader (partition: on to
	// the old leader stepping down after the heal; cold start and steady:
	// from the boot). Every round is recorded.
	phaseMeasured
	// phaseAfter: from the measured phase's end to the fault-free window
	// (a restarted peer rejoining, the cluster made whole). Election
	// rounds are recorded, heartbeat rounds not.
	phaseAfter
	// phaseWindow: the fault-free window. As phaseAfter; the window span
	// sums up its heartbeats.
	phaseWindow
)

// record is the peers' raft.Tracing.Record: a spurious election is what
// a user looks for outside the measured phase; a heartbeat round there is
// not.
func (ts *trialSpan) record(kind raft.RoundKind) bool {
	switch tracePhase(ts.phase.Load()) {
	case phaseMeasured:
		return true
	case phaseAfter, phaseWindow:
		return kind == raft.ElectionRound
	}
	return false
}

// The runner moves a traced trial from phase to phase; untraced, these do
// nothing.

// measuring begins the measured phase at time at, the cluster's RPC counts
// then being rpcs.
func (ts *trialSpan) measuring(at time.Duration, rpcs sim.Stats) {
	if ts == nil {
		return
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if tracePhase(ts.phase.Load()) == phaseSetup {
		ts.setupEnd, ts.setupRPCs = at, rpcs
	}
	ts.phase.Store(int32(phaseMeasured))
}

// measured ends the measured phase.
func (ts *trialSpan) measured() {
	if ts != nil {
		ts.phase.Store(int32(phaseAfter))
	}
}

// window begins the fault-free window at time at.
func (ts *trialSpan) window(at time.Duration) {
	if ts == nil {
		return
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.windowAt = at
	ts.phase.Store(int32(phaseWindow))
}

// startTrace opens the trial's root span and hooks the cluster's peers and
// events to it; nil for an untraced trial.
func (t Trial) startTrace(cfg *sim.Config) *trialSpan {
	if t.Trace == nil || t.Trace.Root == nil {
		return nil
	}
	epoch := t.Trace.Epoch
	s, o := t.Setting, t.Options
	if o.Runtime != sim.Virtual || epoch.IsZero() {
		epoch = time.Now() // real time starts now, whenever the run did
	}
	point, index := t.Point, t.Index
	if t.Trace.Replay {
		point, index = t.Trace.ReplayPoint, t.Trace.ReplayTrial
	}
	place := []attribute.KeyValue{attribute.Bool("raftbench.replay", t.Trace.Replay)}
	if point >= 0 && index >= 0 {
		place = append(place, attribute.Int("raftbench.point", point), attribute.Int("raftbench.trial", index))
	}
	ctx, span := t.Trace.Root.Start(context.Background(), t.TraceName(), trace.WithTimestamp(epoch),
		trace.WithAttributes(
			attribute.String("raftbench.scenario", string(o.Scenario)),
			attribute.String("raftbench.seed", strconv.FormatUint(t.Seed, 10)),
		), trace.WithAttributes(place...), trace.WithAttributes(
			attribute.Float64("raftbench.interval_ms", toMs(s.Interval)),
			attribute.Float64("raftbench.timeout_min_ms", toMs(s.TimeoutMin)),
			attribute.Float64("raftbench.timeout_max_ms", toMs(s.TimeoutMax)),
			attribute.Int("raftbench.nodes", s.Nodes),
			attribute.String("raftbench.latency", s.LatencyLabel()),
			attribute.Float64("raftbench.loss", s.Loss),
			attribute.Int("raftbench.eligible", o.Eligible),
			attribute.String("raftbench.fsync", o.FsyncLabel()),
			attribute.String("raftbench.runtime", o.Runtime.String()),
		))
	ts := &trialSpan{span: span, ctx: ctx, root: t.Trace.Root, epoch: epoch, all: t.Trace.All, faultAt: -1,
		setupEnd: -1, windowAt: -1}
	if o.Scenario.faulted() {
		ts.setup = newWatch(s.Nodes, 0, nil)
	} else {
		// The measured phase is the cold start: record from the boot, which
		// under the real-time runtime begins before the runner does.
		ts.phase.Store(int32(phaseMeasured))
	}
	cfg.Tracing = &sim.Tracing{Peer: t.Trace.Peer, Context: ctx, Epoch: epoch}
	if !t.Trace.All {
		cfg.Tracing.Record = ts.record
	}
	cfg.OnEvent = ts.event
	return ts
}

// event records role changes and injected faults on the root span, and
// counts what the setup and the window did.
func (ts *trialSpan) event(e sim.Event) {
	ts.mu.Lock()
	switch tracePhase(ts.phase.Load()) {
	case phaseSetup:
		ts.setup.observe(e)
		if e.Kind == sim.HeartbeatRound {
			ts.setupBeats++
		}
	case phaseWindow:
		if e.Kind == sim.HeartbeatRound {
			ts.windowBeats++
		}
	}
	ts.mu.Unlock()
	switch e.Kind {
	case sim.StateChange:
		ts.span.AddEvent("became "+e.Role.String(), trace.WithTimestamp(ts.epoch.Add(e.At)),
			trace.WithAttributes(attribute.Int("raft.peer", e.Peer), attribute.Int("raft.term", e.Term)))
	case sim.Fault:
		if ts.faultAt < 0 && e.Fault != "restart" {
			ts.faultAt = e.At
		}
		ts.span.AddEvent(e.Fault, trace.WithTimestamp(ts.epoch.Add(e.At)), trace.WithAttributes(attribute.Int("raft.peer", e.Peer)))
	}
}

// finish records the trial's result on its root span and ends it.
func (ts *trialSpan) finish(c Cluster, r Result) {
	if ts == nil {
		return
	}
	attrs := []attribute.KeyValue{
		attribute.Bool("raftbench.converged", r.Converged()),
		attribute.String("raftbench.outcome", string(r.Outcome)),
		attribute.Int("raftbench.request_votes", r.Total.RequestVote.Sent),
		attribute.Int("raftbench.append_entries", r.Total.AppendEntries.Sent),
		attribute.Int("raftbench.election_rounds", r.Rounds),
		attribute.Int("raftbench.split_votes", r.SplitVotes),
	}
	// A slice, not a map: the attributes come out in the same order every run.
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"raftbench.elected_ms", r.Elected}, {"raftbench.stable_ms", r.Stable}, {"raftbench.crash_offset_ms", r.CrashOffset}} {
		if t.d != NotReached {
			attrs = append(attrs, attribute.Float64(t.name, toMs(t.d)))
		}
	}
	if r.Failure != "" {
		attrs = append(attrs, attribute.String("raftbench.failure", r.Failure))
	}
	ts.span.SetAttributes(attrs...)
	// The failover on its own, from the fault to every live peer having
	// heard the new leader: the span to sort by when looking for the
	// slowest.
	if ts.faultAt >= 0 && r.Stable != NotReached {
		at := ts.epoch.Add(ts.faultAt)
		_, f := ts.root.Start(ts.ctx, "failover", trace.WithTimestamp(at), trace.WithAttributes(
			attribute.Float64("raftbench.downtime_ms", toMs(r.Stable)),
			attribute.Int("raftbench.election_rounds", r.Rounds),
			attribute.Int("raftbench.split_votes", r.SplitVotes)))
		if r.Elected != NotReached {
			f.SetAttributes(attribute.Float64("raftbench.elected_ms", toMs(r.Elected)))
		}
		f.End(trace.WithTimestamp(at.Add(r.Stable)))
	}
	ts.summarize(c, r)
	ts.span.End(trace.WithTimestamp(ts.epoch.Add(c.Now())))
}

// summarize records the setup and the fault-free window as one span each,
// with what happened in them: their rounds are not recorded one by one
// (unless TraceConfig.All), so these say what a trace leaves out.
func (ts *trialSpan) summarize(c Cluster, r Result) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	recorded := "none: this span sums them up (raftbench -trace-all records every round)"
	if ts.all {
		recorded = "every round"
	}
	setupEnd, rpcs := ts.setupEnd, ts.setupRPCs
	if tracePhase(ts.phase.Load()) == phaseSetup {
		setupEnd, rpcs = c.Now(), r.Total // the trial never got to its fault
	}
	if ts.setup != nil && setupEnd > 0 {
		elections, _, split := ts.setup.rounds()
		ts.phaseSpan("setup", 0, setupEnd, recorded,
			attribute.Int("raftbench.heartbeat_rounds", ts.setupBeats),
			attribute.Int("raftbench.election_rounds", elections),
			attribute.Int("raftbench.split_votes", split),
			attribute.Int("raftbench.leaders_elected", ts.setup.leaders()),
			attribute.Int("raftbench.append_entries", rpcs.AppendEntries.Sent),
			attribute.Int("raftbench.request_votes", rpcs.RequestVote.Sent),
			attribute.Int("raftbench.dropped_calls", rpcs.AppendEntries.Dropped+rpcs.RequestVote.Dropped))
	}
	if ts.windowAt >= 0 && r.QuietRun > 0 {
		if !ts.all {
			recorded = "election rounds only: heartbeat rounds are summed up here (raftbench -trace-all records every round)"
		}
		ts.phaseSpan("fault-free window", ts.windowAt, ts.windowAt+r.QuietRun, recorded,
			attribute.Int("raftbench.heartbeat_rounds", ts.windowBeats),
			attribute.Int("raftbench.election_rounds", r.QuietElections),
			attribute.Int("raftbench.leaders_elected", r.QuietLeaderChanges),
			attribute.Int("raftbench.append_entries", r.Quiet.AppendEntries.Sent),
			attribute.Int("raftbench.request_votes", r.Quiet.RequestVote.Sent),
			attribute.Int("raftbench.dropped_calls", r.Quiet.AppendEntries.Dropped+r.Quiet.RequestVote.Dropped))
	}
}

// phaseSpan records one span of the trial from..to with attrs; recorded
// says which of the peers' rounds in it have spans of their own.
func (ts *trialSpan) phaseSpan(name string, from, to time.Duration, recorded string, attrs ...attribute.KeyValue) {
	_, s := ts.root.Start(ts.ctx, name, trace.WithTimestamp(ts.epoch.Add(from)), trace.WithAttributes(attrs...),
		trace.WithAttributes(attribute.String("raftbench.recorded_rounds", recorded)))
	s.End(trace.WithTimestamp(ts.epoch.Add(to)))
}
