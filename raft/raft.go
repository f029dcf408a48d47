package raft

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Role is a peer's role in its current term.
type Role int

const (
	Follower Role = iota
	Candidate
	Leader
)

func (r Role) String() string {
	switch r {
	case Follower:
		return "follower"
	case Candidate:
		return "candidate"
	case Leader:
		return "leader"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Raft is one peer.
type Raft struct {
	mu    sync.Mutex
	me    int
	peers int // cluster size, this peer included
	dead  int32

	cfg       Config
	rt        Runtime
	transport Transport
	persister Persister
	observer  Observer
	lastLog   LogPosition

	role Role
	// Persistent state on all servers (Figure 2).
	currentTerm int
	votedFor    int // -1: no vote in currentTerm

	// The election timer and the heartbeat schedule (timer.go).
	timing timing

	// Protocol variants' state (variants.go).
	leaderContact leaderContact // the last AppendEntries accepted
	quorum        *quorumWatch  // a leader's followers' replies (CheckQuorum)

	trace tracer
	round *electionRound // the election round in progress, if any
}

// Make creates peer me of a cluster of peers peers, restoring currentTerm
// and votedFor from deps.Persister. Call Start to run it.
func Make(me, peers int, cfg Config, deps Deps) (*Raft, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if peers < 1 || me < 0 || me >= peers {
		return nil, fmt.Errorf("raft: peer %d of %d; want 0 <= me < peers", me, peers)
	}
	if deps.Runtime == nil || deps.Transport == nil || deps.Persister == nil {
		return nil, fmt.Errorf("raft: Deps needs a Runtime, a Transport and a Persister")
	}
	rf := &Raft{
		me:        me,
		peers:     peers,
		cfg:       cfg,
		rt:        deps.Runtime,
		transport: deps.Transport,
		persister: deps.Persister,
		observer:  deps.Observer,
		lastLog:   deps.LastLog,
		role:      Follower,
		votedFor:  -1,
	}
	if rf.observer == nil {
		rf.observer = noObserver{}
	}
	rf.timing = newTiming(rf)
	if t := deps.Tracing; t != nil && t.Tracer != nil {
		rf.trace = tracer{t: t.Tracer, base: t.Context, epoch: t.Epoch, rt: deps.Runtime, me: me, record: t.Record}
	}
	if err := rf.readPersist(deps.Persister.ReadRaftState()); err != nil {
		return nil, fmt.Errorf("raft: peer %d: %w", me, err)
	}
	return rf, nil
}

// Start reports the initial state and starts the election ticker.
func (rf *Raft) Start() {
	rf.mu.Lock()
	rf.resetElectionTimerLocked()
	rf.observer.StateChanged(rf.me, rf.currentTerm, rf.role)
	rf.mu.Unlock()
	rf.rt.Go(rf.electionTicker)
}

// GetState returns currentTerm and whether this peer believes it is the
// leader.
func (rf *Raft) GetState() (term int, isLeader bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.currentTerm, rf.role == Leader
}

// Kill stops the peer: its loops end at their next wake-up and it sends no
// more RPCs of its own.
func (rf *Raft) Kill() {
	atomic.StoreInt32(&rf.dead, 1)
	rf.mu.Lock()
	rf.finishRoundLocked(rf.round, OutcomeKilled)
	rf.mu.Unlock()
}

func (rf *Raft) killed() bool {
	return atomic.LoadInt32(&rf.dead) == 1
}

// contextLostLocked reports whether the peer has left the role and term in
// which a piece of work (an election round, a heartbeat loop) was started;
// such work must then be abandoned, and any reply it gets ignored.
func (rf *Raft) contextLostLocked(role Role, term int) bool {
	return rf.killed() || rf.role != role || rf.currentTerm != term
}

// becomeFollowerLocked adopts term (never lower than currentTerm) as a
// follower. A new term clears the vote; the change is persisted before the
// caller can answer anyone.
func (rf *Raft) becomeFollowerLocked(term int) {
	if term < rf.currentTerm {
		panic(fmt.Sprintf("raft: peer %d asked to step back from term %d to %d", rf.me, rf.currentTerm, term))
	}
	changed := term > rf.currentTerm || rf.role != Follower
	wasLeader := rf.role == Leader
	rf.finishRoundLocked(rf.round, OutcomeSteppedDown)
	rf.role = Follower
	if term > rf.currentTerm {
		rf.currentTerm = term
		rf.votedFor = -1
		rf.persistLocked()
	}
	if wasLeader {
		// A leader's timer was not running; give it a fresh timeout so it
		// does not start an election the moment it steps down.
		rf.resetElectionTimerLocked()
	}
	if changed {
		rf.timing.enteredLocked(asFollower)
		rf.observer.StateChanged(rf.me, rf.currentTerm, rf.role)
	}
}

// becomeCandidateLocked starts a new term and votes for itself.
func (rf *Raft) becomeCandidateLocked() {
	if rf.role == Leader {
		panic(fmt.Sprintf("raft: leader %d asked to become candidate in term %d", rf.me, rf.currentTerm))
	}
	// A new term while a round is still open: that round timed out.
	rf.finishRoundLocked(rf.round, OutcomeTimedOut)
	rf.currentTerm++
	rf.role = Candidate
	rf.votedFor = rf.me
	rf.persistLocked()
	rf.timing.enteredLocked(asCandidate)
	rf.observer.StateChanged(rf.me, rf.currentTerm, rf.role)
	rf.observer.VoteGranted(rf.me, rf.currentTerm, rf.me)
}

// becomeLeaderLocked makes a candidate that won its term the leader.
func (rf *Raft) becomeLeaderLocked() {
	if rf.role != Candidate {
		panic(fmt.Sprintf("raft: peer %d asked to lead term %d as a %v", rf.me, rf.currentTerm, rf.role))
	}
	rf.role = Leader
	rf.leaderElectedLocked()
	rf.observer.StateChanged(rf.me, rf.currentTerm, rf.role)
}

// sendRequestVote and sendAppendEntries are the lab's RPC stubs.
func (rf *Raft) sendRequestVote(ctx context.Context, server int, args *RequestVoteArgs, reply *RequestVoteReply) bool {
	return rf.transport.RequestVote(ctx, rf.me, server, args, reply)
}

func (rf *Raft) sendAppendEntries(ctx context.Context, server int, args *AppendEntriesArgs, reply *AppendEntriesReply) bool {
	return rf.transport.AppendEntries(ctx, rf.me, server, args, reply)
}
