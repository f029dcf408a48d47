package raft

import (
	"cmp"
	"slices"
	"time"
)

// CheckQuorum (Config.CheckQuorum; the dissertation §6.2 and §9.6;
// etcd-io/raft's MsgCheckQuorum) and hashicorp/raft's leader lease: a
// leader that cannot hear a majority steps down, so that clients stop
// talking to a leader that can no longer commit anything, and so that a
// sticky cluster (stickiness.go) can elect a new leader without it.

// quorumWatch is what a leader knows of its followers' replies in one term.
type quorumWatch struct {
	term    int
	me      int
	elected time.Duration   // when the peer became leader of term
	heard   []time.Duration // per peer: its last AppendEntries reply (none yet: -1)
	// windowStart is when the current window of a windowed check (etcd's)
	// began: replies since then count.
	windowStart time.Duration
	// nextCheck is when a scheduled check (etcd's, hashicorp's) is due.
	scheduled bool
	nextCheck time.Duration
}

// lastHeard is when peer last replied, or the election if it has not yet:
// a new leader has a full window to hear its followers (hashicorp starts
// every follower's last contact at the election; etcd counts replies only,
// which tickTiming does with heard itself).
func (q *quorumWatch) lastHeard(peer int) time.Duration {
	return max(q.heard[peer], q.elected)
}

// watchQuorumLocked starts a new leader's quorum checks, if its timing has
// any.
func (rf *Raft) watchQuorumLocked() {
	if !rf.timing.checksQuorum() {
		return
	}
	now := rf.rt.Now()
	q := &quorumWatch{term: rf.currentTerm, me: rf.me, elected: now, heard: make([]time.Duration, rf.peers), windowStart: now}
	for i := range q.heard {
		q.heard[i] = -1
	}
	q.heard[rf.me] = now
	rf.quorum = q
	term := rf.currentTerm
	rf.rt.Go(func() { rf.quorumChecker(term) })
}

// followerAnsweredLocked counts a reply to the leader's AppendEntries of
// term as contact with peer.
func (rf *Raft) followerAnsweredLocked(peer, term int) {
	if q := rf.quorum; q != nil && q.term == term && rf.role == Leader && rf.currentTerm == term {
		q.heard[peer] = rf.rt.Now()
	}
}

// quorumChecker runs beside a leader's replicationTicker for its term and
// steps it down when its timing's check finds the majority lost.
func (rf *Raft) quorumChecker(term int) {
	for !rf.killed() {
		rf.mu.Lock()
		if rf.contextLostLocked(Leader, term) || rf.quorum == nil || rf.quorum.term != term {
			rf.mu.Unlock()
			return
		}
		lost, wait := rf.timing.quorumCheckLocked(rf.quorum)
		if lost {
			rf.quorum = nil
			rf.becomeFollowerLocked(term) // same term: no one else may lead it
			rf.mu.Unlock()
			return
		}
		rf.mu.Unlock()
		rf.rt.Sleep(wait)
	}
}

// slidingCheckLocked is the check in continuous time: the majority is lost
// once window has passed since the last moment a majority (the leader
// included) had replied. It reports how long until that moment otherwise,
// so the leader steps down exactly window after it last had a majority.
func (q *quorumWatch) slidingCheckLocked(now, window time.Duration) (bool, time.Duration) {
	n := len(q.heard)
	if n == 1 {
		return false, window // a one-peer cluster is its own majority
	}
	others := q.othersNewestFirst()
	// A majority is n/2+1 peers: the leader and n/2 others.
	confirmed := others[n/2-1]
	if now-confirmed >= window {
		return true, 0
	}
	return false, confirmed + window - now
}

// othersNewestFirst lists the followers' last replies, newest first (the
// leader always hears itself).
func (q *quorumWatch) othersNewestFirst() []time.Duration {
	others := make([]time.Duration, 0, len(q.heard)-1)
	for i, t := range q.heard {
		if i != q.me {
			others = append(others, max(t, q.elected))
		}
	}
	slices.SortFunc(others, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return others
}
