package raft

import (
	"context"
	"time"
)

// Runtime is everything a peer needs from the world besides the network:
// a clock, a way to wait, a way to start goroutines and randomness. Package
// sim implements it in virtual time (deterministic) and in real time.
type Runtime interface {
	// Now is the time elapsed since the runtime started.
	Now() time.Duration
	// Sleep waits for d. If the runtime shuts down meanwhile, Sleep does not
	// return: the calling goroutine ends (its deferred calls run).
	Sleep(d time.Duration)
	// Go starts f in a new goroutine owned by the runtime.
	Go(f func())
	// Int64N returns a uniform random number in [0, n) from the runtime's
	// seeded source.
	Int64N(n int64) int64
}

// Transport carries RPCs to other peers. A call returns false when the
// request or its reply was lost, the peer was unreachable or crashed, or no
// reply came within the transport's timeout — like labrpc's Call. The context
// carries trace context across the (simulated) wire.
type Transport interface {
	RequestVote(ctx context.Context, from, to int, args *RequestVoteArgs, reply *RequestVoteReply) bool
	AppendEntries(ctx context.Context, from, to int, args *AppendEntriesArgs, reply *AppendEntriesReply) bool
}

// Persister is the peer's stable storage. Save must make state durable before
// it returns as far as the peer can tell; a delay for the fsync is modelled by
// the transport, not by blocking here, because rf.mu is held while saving.
type Persister interface {
	ReadRaftState() []byte
	Save(raftState []byte)
}

// Observer is told about every state change, so a simulator can check
// safety and measure elections without polling. Calls are made with rf.mu
// held: an Observer must not call back into the peer.
type Observer interface {
	// StateChanged reports the peer's term and role after any change of
	// either, and once when the peer starts.
	StateChanged(peer, term int, role Role)
	// VoteGranted reports that peer voted for candidate in term (already
	// persisted).
	VoteGranted(peer, term, candidate int)
	// HeartbeatAccepted reports that peer accepted AppendEntries from leader
	// in term.
	HeartbeatAccepted(peer, term, leader int)
	// HeartbeatRound reports that leader started a round of AppendEntries
	// to every other peer in term.
	HeartbeatRound(leader, term int)
}

// LogPosition is the index and term of a peer's last log entry. Part A keeps
// no log; a scenario gives peers synthetic positions so that stale peers cannot
// win an election, as in the Raft paper's failover measurement.
type LogPosition struct {
	Index int
	Term  int
}

// atLeastAsUpToDate applies Raft's election restriction (§5.4.1): a log is at
// least as up to date as another if its last term is higher, or the terms are
// equal and it is at least as long.
func (p LogPosition) atLeastAsUpToDate(other LogPosition) bool {
	if p.Term != other.Term {
		return p.Term > other.Term
	}
	return p.Index >= other.Index
}

// Deps are the peer's collaborators.
type Deps struct {
	Runtime   Runtime
	Transport Transport
	Persister Persister
	// Observer may be nil.
	Observer Observer
	// LastLog is this peer's synthetic log position (zero: empty log).
	LastLog LogPosition
	// Tracing, if not nil, records the peer's rounds and RPCs as spans.
	Tracing *Tracing
}

type noObserver struct{}

func (noObserver) StateChanged(int, int, Role)     {}
func (noObserver) VoteGranted(int, int, int)       {}
func (noObserver) HeartbeatAccepted(int, int, int) {}
func (noObserver) HeartbeatRound(int, int)         {}
