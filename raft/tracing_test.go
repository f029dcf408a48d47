package raft

import (
	"context"
	"testing"
	"time"

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
