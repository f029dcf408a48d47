package raft

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
)

// A round that records nothing — tracing off, or declined by
// Tracing.Record — costs its hooks no allocation: tracing every trial of a
// sweep declines most heartbeat rounds, and a sweep runs millions.
func TestRoundsThatRecordNothingAllocateNothing(t *testing.T) {
	noopTracer := noop.NewTracerProvider().Tracer("")
	for _, c := range []struct {
		name string
		tr   tracer
	}{
		{"off", tracer{}},
		{"declined", tracer{t: noopTracer, base: context.Background(), rt: stoppedClock{}, me: 1, record: func(RoundKind) bool { return false }}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := &c.tr
			rv := &RequestVoteArgs{Term: 2, CandidateId: 1}
			rvReply := &RequestVoteReply{Term: 2, VoteGranted: true}
			ae := &AppendEntriesArgs{Term: 2, LeaderId: 1}
			aeReply := &AppendEntriesReply{Term: 2, Success: true}
			election := &electionRound{}
			allocs := testing.AllocsPerRun(100, func() {
				*election = electionRound{votes: 1}
				tr.electionStarted(election, 2, 3)
				ctx, span := tr.voteAsked(election, 0, rv)
				handler := tr.voteRequested(ctx)
				tr.voteDecided(handler, rv, rvReply)
				tr.voteAnswered(span, true, rvReply)
				tr.end(span)
				tr.electionFinished(election, OutcomeWon)

				*election = electionRound{votes: 1, preVote: true}
				tr.preVoteStarted(election, 3, 2)
				ctx, span = tr.preVoteAsked(election, 0, rv)
				tr.voteAnswered(span, true, rvReply)
				tr.end(span)
				tr.electionFinished(election, OutcomeLost)

				round := tr.replicationStarted(2, 1)
				ctx, span = tr.replicationAsked(round, 0, ae)
				handler = tr.appendEntriesReceived(ctx)
				tr.appendEntriesDecided(handler, ae, aeReply)
				tr.replicationAnswered(span, true, aeReply, false)
				tr.replicationEnded(round, span)
			})
			if allocs != 0 {
				t.Fatalf("an election round and a heartbeat round that record nothing allocate %v times; want 0", allocs)
			}
		})
	}
}

// stoppedClock is a Runtime whose time stands still; the hooks only read it.
type stoppedClock struct{}

func (stoppedClock) Now() time.Duration   { return 0 }
func (stoppedClock) Sleep(time.Duration)  {}
func (stoppedClock) Go(f func())          { f() }
func (stoppedClock) Int64N(n int64) int64 { return 0 }

// A pre-vote round is traced like an election round, under names of its
// own and marked raft.pre_vote, so a trace tells the question from the
// election; the handler's span says it answered a pre-vote.
func TestPreVoteRoundSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := &tracer{t: tp.Tracer("test"), base: context.Background(), rt: stoppedClock{}, me: 1}
	args := &RequestVoteArgs{Term: 3, CandidateId: 1, PreVote: true}
	round := &electionRound{votes: 1, preVote: true}
	tr.preVoteStarted(round, 3, 2)
	ctx, span := tr.preVoteAsked(round, 0, args)
	handler := tr.voteRequested(ctx)
	tr.voteDecided(handler, args, &RequestVoteReply{Term: 2, VoteGranted: true})
	tr.voteAnswered(span, true, &RequestVoteReply{Term: 2, VoteGranted: true})
	tr.end(span)
	tr.electionFinished(round, OutcomeWon)

	want := map[string]bool{"startPreVote": true, "askPreVoteFromPeer": true, "RequestVote": true}
	ended := rec.Ended()
	if len(ended) != len(want) {
		t.Fatalf("%d spans ended; want %d (%v)", len(ended), len(want), want)
	}
	for _, s := range ended {
		if !want[s.Name()] {
			t.Errorf("unexpected span %q", s.Name())
		}
		marked := false
		for _, kv := range s.Attributes() {
			if kv.Key == attrPreVote && kv.Value.AsBool() {
				marked = true
			}
		}
		if !marked {
			t.Errorf("span %q is not marked raft.pre_vote", s.Name())
		}
	}
}
