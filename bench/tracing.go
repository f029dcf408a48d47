package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

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

// trialSpan is a trial's root span; its zero value records nothing.
type trialSpan struct {
	span    trace.Span
	ctx     context.Context
	root    trace.Tracer
	epoch   time.Time
	faultAt time.Duration // the first injected fault (crash, partition), or -1
}

// startTrace opens the trial's root span and hooks the cluster's peers and
// events to it.
func (t Trial) startTrace(cfg *sim.Config) *trialSpan {
	if t.Trace == nil || t.Trace.Root == nil {
		return &trialSpan{}
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
	ts := &trialSpan{span: span, ctx: ctx, root: t.Trace.Root, epoch: epoch, faultAt: -1}
	cfg.Tracing = &sim.Tracing{Peer: t.Trace.Peer, Context: ctx, Epoch: epoch}
	cfg.OnEvent = ts.event
	return ts
}

// event records role changes and injected faults on the root span.
func (ts *trialSpan) event(e sim.Event) {
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
	if ts.span == nil {
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
	ts.span.End(trace.WithTimestamp(ts.epoch.Add(c.Now())))
}
