package raft

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Tracing lets a peer record OpenTelemetry spans: one per election round
// with a child per askVoteFromPeer, one per heartbeat round with a child per
// replicateToPeer, and server spans for the two RPC handlers (children of
// the caller's span through the trace context the transport carries).
type Tracing struct {
	// Tracer is this peer's own tracer (its provider names the service,
	// e.g. raft-peer-0).
	Tracer trace.Tracer
	// Context is the parent of the peer's rounds (e.g. a trial's root span).
	Context context.Context
	// Epoch is the wall-clock time of runtime time zero: spans are stamped
	// Epoch + Runtime.Now(), so in virtual time they show the simulated
	// timeline exactly.
	Epoch time.Time
}

// Span attribute keys.
const (
	attrPeer       = attribute.Key("raft.peer")
	attrTerm       = attribute.Key("raft.term")
	attrCandidate  = attribute.Key("raft.candidate")
	attrLeader     = attribute.Key("raft.leader")
	attrVoter      = attribute.Key("raft.voter")
	attrFollower   = attribute.Key("raft.follower")
	attrNeeded     = attribute.Key("raft.votes_needed")
	attrGranted    = attribute.Key("raft.votes_granted")
	attrOutcome    = attribute.Key("raft.outcome")
	attrRPCOK      = attribute.Key("rpc.ok")
	attrReplyTerm  = attribute.Key("raft.reply_term")
	attrVote       = attribute.Key("raft.vote_granted")
	attrSuccess    = attribute.Key("raft.success")
	attrSteppedDn  = attribute.Key("raft.stepped_down")
	attrPeersAsked = attribute.Key("raft.peers")
)

// Election round outcomes.
const (
	OutcomeWon         = "won"
	OutcomeLost        = "lost"
	OutcomeSteppedDown = "stepped-down"
	OutcomeTimedOut    = "timed-out"
	OutcomeKilled      = "killed" // the peer crashed, or the run ended
)

// tracer is a peer's view of tracing; its zero value traces nothing at the
// cost of a nil check.
type tracer struct {
	t     trace.Tracer
	base  context.Context
	epoch time.Time
	rt    Runtime
}

func (tr *tracer) on() bool { return tr.t != nil }

func (tr *tracer) now() time.Time { return tr.epoch.Add(tr.rt.Now()) }

// start begins a span under parent (or under the peer's base context when
// parent carries no span). With tracing off it returns parent and a no-op
// span without allocating.
func (tr *tracer) start(parent context.Context, name string, kind trace.SpanKind) (context.Context, trace.Span) {
	if tr.t == nil {
		return parent, noSpan
	}
	if !trace.SpanContextFromContext(parent).IsValid() && tr.base != nil {
		parent = tr.base
	}
	return tr.t.Start(parent, name, trace.WithSpanKind(kind), trace.WithTimestamp(tr.now()))
}

func (tr *tracer) end(span trace.Span) {
	if tr.t != nil {
		span.End(trace.WithTimestamp(tr.now()))
	}
}

// noSpan is what an untraced peer records into.
var noSpan = trace.SpanFromContext(context.Background())

// electionRound is one startElection's state, shared by its
// askVoteFromPeer calls under rf.mu.
type electionRound struct {
	votes   int
	replies int
	done    bool
	ctx     context.Context
	span    trace.Span
}

// finishLocked ends the round's span once, with its outcome.
func (rf *Raft) finishRoundLocked(round *electionRound, outcome string) {
	if round == nil || round.done {
		return
	}
	round.done = true
	if rf.trace.on() {
		round.span.SetAttributes(attrOutcome.String(outcome), attrGranted.Int(round.votes))
		rf.trace.end(round.span)
	}
	if rf.round == round {
		rf.round = nil
	}
}

// replicationRound groups one startReplication's replicateToPeer spans and
// ends when the last of them does. Untraced rounds keep no count, so the
// heartbeat path takes no extra lock when tracing is off.
type replicationRound struct {
	traced  bool
	pending int // replicateToPeer calls still running; guarded by rf.mu
	ctx     context.Context
	span    trace.Span
}

// replicationDone counts one replicateToPeer of a traced round as finished.
func (rf *Raft) replicationDone(round *replicationRound) {
	if !round.traced {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	round.pending--
	if round.pending == 0 {
		rf.trace.end(round.span)
	}
}
