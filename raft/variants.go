package raft

// Protocol variants: what real implementations change in the paper's
// election, each a Config option that is off in the zero Config. Each lives
// in a file of its own; the lab's functions call it through one-line hooks
// whose names say what happened (preVoteFirstLocked, stickToLeaderLocked,
// heardFromLeaderLocked, followerAnsweredLocked, leaderElectedLocked,
// timing.enteredLocked), so with every option off they do exactly what the
// lab's do.
//
//   - prevote.go: Config.PreVote (the dissertation §9.6; etcd-io/raft).
//   - stickiness.go: Config.LeaderStickiness (§4.2.3, §9.6), also on with
//     Config.CheckQuorum as in etcd-io/raft.
//   - checkquorum.go: Config.CheckQuorum (§6.2), and hashicorp/raft's
//     leader lease.
//   - timer.go: the timing interface and the lab's timing; ticks.go:
//     Config.Ticks (etcd-io/raft's ticks); hashicorp.go: Config.Hashicorp
//     (hashicorp/raft's timers).
//
// Safety does not depend on any of them: a pre-vote changes nothing at the
// voter, a refused vote is always safe, and a leader that steps down keeps
// its term.

// leaderElectedLocked tells the variants that the peer has just become the
// leader of its term.
func (rf *Raft) leaderElectedLocked() {
	rf.timing.enteredLocked(asLeader)
	rf.watchQuorumLocked()
}
