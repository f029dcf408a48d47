package raft

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Tracing lets a peer record OpenTelemetry spans: one per election round
// with a child per askVoteFromPeer, one per heartbeat round with a child per
// replicateToPeer, and server spans for the two RPC handlers (children of
// the caller's span through the trace context the transport carries).
//
// Record chooses rounds: a benchmark that traces every trial wants the
// rounds of the moments it measures (a failover, a spurious election), not
// the thousands of heartbeat rounds of a healthy cluster, whose spans cost
// far more than the simulation of them.
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
	// Record, if not nil, is asked as each round begins (an election round
	// in startElection, a heartbeat round in startReplication) whether to
	// record it; nil records every round. A declined round records nothing:
	// not its span, not its calls' spans, not the handler spans its calls
	// reach. With Record set, a handler records a span only under the
	// caller's span its request carries, never on its own under Context, so
	// a declined round leaves no orphan handler spans; a recorded round's
	// handlers are recorded whatever Record says at their peer. A declined
	// round costs the call and allocates nothing.
	//
	// Peers call Record from their own goroutines, several at once under a
	// real-time runtime: it must be safe for concurrent use (e.g. read an
	// atomic that the caller flips between the phases of a run).
	Record func(RoundKind) bool
}

// RoundKind is what a round asked about by Tracing.Record is.
type RoundKind int

const (
	// ElectionRound is one startElection: RequestVote to every other peer.
	ElectionRound RoundKind = iota
	// HeartbeatRound is one startReplication: AppendEntries to every other
	// peer.
	HeartbeatRound
)

func (k RoundKind) String() string {
	switch k {
	case ElectionRound:
		return "election round"
	case HeartbeatRound:
		return "heartbeat round"
	}
	return fmt.Sprintf("RoundKind(%d)", int(k))
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
	attrRPCOutcome = attribute.Key("rpc.outcome")
	attrRoundOver  = attribute.Key("raft.round_over")
	attrPreVote    = attribute.Key("raft.pre_vote")
)

// RPC outcomes (rpc.outcome on the client spans).
const (
	RPCReplied = "replied"
	RPCNoReply = "no-reply" // lost, or unanswered within the RPC timeout
	RPCCutOff  = "cut-off"  // the caller crashed or the run ended mid-call
)

// rpcSpan is a client span that knows whether its call came back, so a
// call cut off mid-flight still ends with an outcome.
type rpcSpan struct {
	trace.Span
	answered bool
	round    *electionRound // askVoteFromPeer's round (nil for replicateToPeer)
}

// answer records ok's outcome on a client span.
func answer(span trace.Span, ok bool) {
	rs, _ := span.(*rpcSpan)
	if rs != nil {
		rs.answered = true
	}
	if ok {
		span.SetAttributes(attrRPCOK.Bool(true), attrRPCOutcome.String(RPCReplied))
		return
	}
	span.SetAttributes(attrRPCOK.Bool(false), attrRPCOutcome.String(RPCNoReply))
	span.SetStatus(codes.Error, "no reply")
}

// Election round outcomes.
const (
	OutcomeWon         = "won"
	OutcomeLost        = "lost"
	OutcomeSteppedDown = "stepped-down"
	OutcomeTimedOut    = "timed-out"
	OutcomeKilled      = "killed" // the peer crashed, or the run ended
)

// tracer is a peer's view of tracing: the one-line hooks the lab functions
// call (electionStarted, voteAsked, ...). Its zero value traces nothing at
// the cost of a nil check per hook.
//
// No hook decides anything for the protocol, and no count a round keeps
// depends on whether a span was sampled: a sampler that drops some span
// names leaves no round span open.
type tracer struct {
	t      trace.Tracer
	base   context.Context
	epoch  time.Time
	rt     Runtime
	me     int
	record func(RoundKind) bool // Tracing.Record
}

// records reports whether a round of kind that begins now is recorded.
func (tr *tracer) records(kind RoundKind) bool {
	return tr.t != nil && (tr.record == nil || tr.record(kind))
}

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

// end ends span; a span that records nothing (untraced, declined, or
// dropped by the sampler) is left alone, without building its options.
func (tr *tracer) end(span trace.Span) {
	if tr.t == nil || !span.IsRecording() {
		return
	}
	if rs, ok := span.(*rpcSpan); ok && !rs.answered {
		rs.SetAttributes(attrRPCOutcome.String(RPCCutOff))
		rs.SetStatus(codes.Error, "cut off: the caller stopped (crash or end of run) before the call returned")
	}
	span.End(trace.WithTimestamp(tr.now()))
}

// noSpan is what an untraced peer records into.
var noSpan = trace.SpanFromContext(context.Background())

// roundSpan is a round's span and the context its children start from.
type roundSpan struct {
	ctx  context.Context
	span trace.Span
	off  bool // untraced or declined: nothing under the round is recorded
}

// offRound is a round that records nothing.
var offRound = roundSpan{ctx: context.Background(), span: noSpan, off: true}

// electionStarted opens the span of round, an election for term.
func (tr *tracer) electionStarted(round *electionRound, term, needed int) {
	tr.roundStarted(round, "startElection", term, needed)
}

// preVoteStarted opens the span of round, a pre-vote (prevote.go) for the
// proposed term. Tracing.Record is asked about it as an ElectionRound: it
// is the first half of an election.
func (tr *tracer) preVoteStarted(round *electionRound, term, needed int) {
	tr.roundStarted(round, "startPreVote", term, needed)
	if round.span.IsRecording() {
		round.span.SetAttributes(attrPreVote.Bool(true))
	}
}

func (tr *tracer) roundStarted(round *electionRound, name string, term, needed int) {
	if !tr.records(ElectionRound) {
		round.roundSpan = offRound
		return
	}
	round.ctx, round.span = tr.start(context.Background(), name, trace.SpanKindInternal)
	if round.span.IsRecording() {
		round.span.SetAttributes(attrCandidate.Int(tr.me), attrTerm.Int(term), attrNeeded.Int(needed))
	}
}

// electionFinished ends round's span with its outcome.
func (tr *tracer) electionFinished(round *electionRound, outcome string) {
	if round.span.IsRecording() {
		round.span.SetAttributes(attrOutcome.String(outcome), attrGranted.Int(round.votes))
		tr.end(round.span)
	}
}

// voteAsked opens the span of one askVoteFromPeer; the caller ends it with
// tr.end.
func (tr *tracer) voteAsked(round *electionRound, peer int, args *RequestVoteArgs) (context.Context, trace.Span) {
	return tr.asked(round, "askVoteFromPeer", peer, args)
}

// preVoteAsked opens the span of one askPreVoteFromPeer.
func (tr *tracer) preVoteAsked(round *electionRound, peer int, args *RequestVoteArgs) (context.Context, trace.Span) {
	return tr.asked(round, "askPreVoteFromPeer", peer, args)
}

func (tr *tracer) asked(round *electionRound, name string, peer int, args *RequestVoteArgs) (context.Context, trace.Span) {
	if round.off {
		return round.ctx, noSpan
	}
	ctx, span := tr.start(round.ctx, name, trace.SpanKindClient)
	if span.IsRecording() {
		span.SetAttributes(attrCandidate.Int(tr.me), attrPeer.Int(peer), attrTerm.Int(args.Term))
		if args.PreVote {
			span.SetAttributes(attrPreVote.Bool(true))
		}
		return ctx, &rpcSpan{Span: span, round: round}
	}
	return ctx, span
}

// voteAnswered records how a RequestVote call ended (under rf.mu), and
// whether its round had ended first: a call to a dead peer outlives its
// round by up to the RPC timeout.
func (tr *tracer) voteAnswered(span trace.Span, ok bool, reply *RequestVoteReply) {
	if span.IsRecording() {
		answer(span, ok)
		if rs, _ := span.(*rpcSpan); rs != nil && rs.round != nil && rs.round.done {
			span.SetAttributes(attrRoundOver.Bool(true))
		}
		if ok {
			span.SetAttributes(attrVote.Bool(reply.VoteGranted), attrReplyTerm.Int(reply.Term))
		}
	}
}

// voteRequested opens the RequestVote handler's span, a child of the
// caller's; voteDecided ends it.
func (tr *tracer) voteRequested(ctx context.Context) trace.Span {
	return tr.serve(ctx, "RequestVote")
}

// serve opens a handler's span under the caller's span that ctx carries.
// With Tracing.Record set, a request that carries none (its round was
// declined) records nothing, rather than a span under the base context
// that no caller's span explains.
func (tr *tracer) serve(ctx context.Context, name string) trace.Span {
	if tr.t == nil || (tr.record != nil && !trace.SpanContextFromContext(ctx).IsValid()) {
		return noSpan
	}
	_, span := tr.start(ctx, name, trace.SpanKindServer)
	return span
}

func (tr *tracer) voteDecided(span trace.Span, args *RequestVoteArgs, reply *RequestVoteReply) {
	if !span.IsRecording() {
		return // untraced: not even the attributes are built
	}
	if args.PreVote {
		span.SetAttributes(attrPreVote.Bool(true))
	}
	tr.handled(span, attrVoter, attrCandidate.Int(args.CandidateId), args.Term, attrVote.Bool(reply.VoteGranted), reply.Term)
}

// handled ends a handler's span with who handled the request (in role),
// from whom, in which term, and the answer.
func (tr *tracer) handled(span trace.Span, role attribute.Key, from attribute.KeyValue, term int, answer attribute.KeyValue, replyTerm int) {
	if span.IsRecording() {
		span.SetAttributes(role.Int(tr.me), from, attrTerm.Int(term), answer, attrReplyTerm.Int(replyTerm))
		tr.end(span)
	}
}

// replicationRound groups one startReplication's replicateToPeer spans; its
// span ends when the last of them has finished, sampled or not. An untraced
// round keeps no count.
type replicationRound struct {
	roundSpan
	traced  bool
	pending atomic.Int32 // replicateToPeer calls still running
}

// untracedRound is every heartbeat round that records nothing: all of a
// peer without a tracer, and those Tracing.Record declines.
var untracedRound = replicationRound{roundSpan: offRound}

// replicationStarted opens the span of a heartbeat round for term to peers
// other peers.
func (tr *tracer) replicationStarted(term, peers int) *replicationRound {
	if !tr.records(HeartbeatRound) {
		return &untracedRound // nothing to count: shared, never written
	}
	round := &replicationRound{}
	round.ctx, round.span = tr.start(context.Background(), "startReplication", trace.SpanKindInternal)
	round.traced = round.span.IsRecording()
	if round.traced {
		round.pending.Store(int32(peers))
		round.span.SetAttributes(attrLeader.Int(tr.me), attrTerm.Int(term), attrPeersAsked.Int(peers))
		if peers == 0 {
			tr.end(round.span) // a one-peer cluster has no one to send to
		}
	}
	return round
}

// replicationAsked opens the span of one replicateToPeer; the caller ends it
// with replicationEnded.
func (tr *tracer) replicationAsked(round *replicationRound, peer int, args *AppendEntriesArgs) (context.Context, trace.Span) {
	if round.off {
		return round.ctx, noSpan
	}
	ctx, span := tr.start(round.ctx, "replicateToPeer", trace.SpanKindClient)
	if span.IsRecording() {
		span.SetAttributes(attrLeader.Int(tr.me), attrPeer.Int(peer), attrTerm.Int(args.Term))
		return ctx, &rpcSpan{Span: span}
	}
	return ctx, span
}

// replicationAnswered records how an AppendEntries call ended.
func (tr *tracer) replicationAnswered(span trace.Span, ok bool, reply *AppendEntriesReply, steppedDown bool) {
	if span.IsRecording() {
		answer(span, ok)
		if ok {
			span.SetAttributes(attrReplyTerm.Int(reply.Term), attrSteppedDn.Bool(steppedDown))
		}
	}
}

// replicationEnded ends one replicateToPeer's span (nil: it sent nothing)
// and counts it against its round.
func (tr *tracer) replicationEnded(round *replicationRound, span trace.Span) {
	if span != nil && span.IsRecording() {
		tr.end(span)
	}
	if round.traced && round.pending.Add(-1) == 0 {
		tr.end(round.span)
	}
}

// appendEntriesReceived opens the AppendEntries handler's span, a child of
// the caller's; appendEntriesDecided ends it.
func (tr *tracer) appendEntriesReceived(ctx context.Context) trace.Span {
	return tr.serve(ctx, "AppendEntries")
}

func (tr *tracer) appendEntriesDecided(span trace.Span, args *AppendEntriesArgs, reply *AppendEntriesReply) {
	if !span.IsRecording() {
		return // untraced: not even the attributes are built
	}
	tr.handled(span, attrFollower, attrLeader.Int(args.LeaderId), args.Term, attrSuccess.Bool(reply.Success), reply.Term)
}
