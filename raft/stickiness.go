package raft

import "time"

// Leader stickiness (Config.LeaderStickiness, and Config.CheckQuorum as in
// etcd-io/raft; the dissertation §4.2.3 and §9.6): a peer that still hears a
// current leader refuses to vote, and does not adopt the candidate's term,
// so that a peer which cannot hear the leader (cut off, or just slow) cannot
// depose a leader the others still follow.

// leaderContact is when this peer last accepted AppendEntries, and in which
// term.
type leaderContact struct {
	known bool
	at    time.Duration
	term  int
}

// heardFromLeaderLocked records that the peer accepted AppendEntries from
// the leader of its current term.
func (rf *Raft) heardFromLeaderLocked() {
	rf.leaderContact = leaderContact{known: true, at: rf.rt.Now(), term: rf.currentTerm}
	rf.timing.heardLeaderLocked()
}

// leaderKnownLocked reports whether this peer knows a leader of its current
// term: itself, or one it heard from in this term.
func (rf *Raft) leaderKnownLocked() bool {
	c := rf.leaderContact
	return rf.role == Leader || (c.known && c.term == rf.currentTerm)
}

// stickToLeaderLocked reports whether a RequestVote (a real vote or a
// pre-vote) must be refused because this peer still hears a current leader:
// it is the leader, or it heard the leader of its term within the lease its
// timing keeps (ElectionTimeoutMin; in ticks or by hashicorp's rule with
// Config.Ticks or Config.Hashicorp).
func (rf *Raft) stickToLeaderLocked() bool {
	if !rf.cfg.LeaderStickiness && !rf.cfg.CheckQuorum {
		return false
	}
	if rf.role == Leader {
		return true
	}
	return rf.leaderKnownLocked() && rf.timing.leaseHeldLocked(rf.leaderContact.at)
}
