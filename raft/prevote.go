package raft

// PreVote (Config.PreVote; the dissertation §9.6; etcd-io/raft's
// campaignPreElection): before it stands, a peer asks the others whether
// they would vote for it in its next term, without raising its own term or
// anyone's, and stands only if a majority would. A peer that was cut off
// and comes back with a stale log, or while the others still hear their
// leader, then disturbs no one.
//
// A pre-candidate's Role stays Follower (etcd has a StatePreCandidate; the
// Role enum here keeps the paper's three). Its round is rf.round, an
// electionRound marked preVote, so everything that ends an election round
// (a leader's AppendEntries, a higher term, a crash) ends it too.

// preVoteFirstLocked starts a pre-vote round instead of a candidacy when
// Config.PreVote is set, and reports whether it did. Called by
// electionTicker when the election timer has run out.
func (rf *Raft) preVoteFirstLocked() bool {
	if !rf.cfg.PreVote {
		return false
	}
	// A pre-vote round that timed out, or a real election that did: the
	// peer asks again first, as etcd's candidates do.
	rf.finishRoundLocked(rf.round, OutcomeTimedOut)
	if rf.role == Candidate {
		rf.becomeFollowerLocked(rf.currentTerm)
	}
	rf.resetElectionTimerLocked()
	rf.timing.enteredLocked(asPreCandidate)
	round := &electionRound{votes: 1, preVote: true} // our own
	rf.trace.preVoteStarted(round, rf.currentTerm+1, rf.peers/2+1)
	rf.round = round
	if round.votes > rf.peers/2 {
		rf.wonPreVoteLocked(round)
		return true
	}
	args := &RequestVoteArgs{
		Term:         rf.currentTerm + 1, // proposed, not adopted
		CandidateId:  rf.me,
		LastLogIndex: rf.lastLog.Index,
		LastLogTerm:  rf.lastLog.Term,
		PreVote:      true,
	}
	for peer := 0; peer < rf.peers; peer++ {
		if peer == rf.me {
			continue
		}
		rf.rt.Go(func() { rf.askPreVoteFromPeer(peer, args, round) })
	}
	return true
}

// askPreVoteFromPeer sends one pre-vote request and counts its answer.
func (rf *Raft) askPreVoteFromPeer(peer int, args *RequestVoteArgs, round *electionRound) {
	if rf.killed() {
		return
	}
	ctx, span := rf.trace.preVoteAsked(round, peer, args)
	defer rf.trace.end(span)
	reply := &RequestVoteReply{}
	ok := rf.sendRequestVote(ctx, peer, args, reply)

	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.trace.voteAnswered(span, ok, reply)
	round.replies++
	if !ok || rf.killed() {
		rf.lostIfAllRepliedLocked(round)
		return
	}
	// A refusal from a later term: that term exists, follow it (a granted
	// pre-vote carries the voter's own term, never above ours).
	if reply.Term > rf.currentTerm {
		rf.becomeFollowerLocked(reply.Term)
		return
	}
	if round.done {
		return // a leader was heard, the term moved, or the round timed out
	}
	if reply.VoteGranted {
		round.votes++
		if round.votes > rf.peers/2 {
			rf.wonPreVoteLocked(round)
			return
		}
	} else {
		round.refusals++
	}
	if rf.peers-round.refusals <= rf.peers/2 {
		// So many refused that no majority is left: as etcd, give up and
		// wait for a new timeout.
		rf.finishRoundLocked(round, OutcomeLost)
		rf.timing.preVoteLostLocked()
		return
	}
	rf.lostIfAllRepliedLocked(round)
}

// wonPreVoteLocked starts the real election a majority has agreed to.
func (rf *Raft) wonPreVoteLocked(round *electionRound) {
	rf.finishRoundLocked(round, OutcomeWon)
	rf.resetElectionTimerLocked()
	rf.becomeCandidateLocked()
	term := rf.currentTerm
	rf.rt.Go(func() { rf.startElection(term) })
}

// answeredPreVoteLocked answers a pre-vote request, and reports whether
// args was one. The answer is the vote this peer would give, decided as
// etcd-io/raft decides it: for a later term if the candidate's log is at
// least as up to date; for this term only if the peer voted for the
// candidate already, or has not voted and knows no leader. Nothing changes:
// not the term, not the vote, not the timer, nothing is persisted.
func (rf *Raft) answeredPreVoteLocked(args *RequestVoteArgs, reply *RequestVoteReply) bool {
	if !args.PreVote {
		return false
	}
	candidateLog := LogPosition{Index: args.LastLogIndex, Term: args.LastLogTerm}
	mayVote := args.Term > rf.currentTerm ||
		(args.Term == rf.currentTerm && (rf.votedFor == args.CandidateId || (rf.votedFor == -1 && !rf.leaderKnownLocked())))
	reply.Term = rf.currentTerm
	reply.VoteGranted = mayVote && candidateLog.atLeastAsUpToDate(rf.lastLog)
	return true
}
