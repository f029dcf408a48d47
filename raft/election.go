package raft

import "context"

// electionTicker runs for the peer's whole life. When a follower or candidate
// hears nothing from a leader for a full election timeout it starts a new
// term and an election round.
func (rf *Raft) electionTicker() {
	for !rf.killed() {
		rf.mu.Lock()
		if rf.role != Leader && rf.isElectionTimeoutLocked() && !rf.preVoteFirstLocked() {
			// The next timeout counts from the moment the candidacy starts,
			// before becomeCandidateLocked writes the new term to disk (as
			// LogCabin does): a slow write must not delay the next round.
			rf.resetElectionTimerLocked()
			rf.becomeCandidateLocked()
			term := rf.currentTerm
			rf.rt.Go(func() { rf.startElection(term) })
		}
		wait := rf.untilNextTimerCheckLocked()
		rf.mu.Unlock()
		rf.rt.Sleep(wait)
	}
}

// startElection runs one election round for term: it asks every other peer
// for its vote. The round is abandoned if the peer has left that candidacy.
func (rf *Raft) startElection(term int) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.contextLostLocked(Candidate, term) {
		return
	}
	round := &electionRound{votes: 1} // our own vote
	rf.trace.electionStarted(round, term, rf.peers/2+1)
	rf.round = round
	if round.votes > rf.peers/2 {
		// A one-peer cluster elects itself.
		rf.becomeLeaderLocked()
		rf.finishRoundLocked(round, OutcomeWon)
		rf.rt.Go(func() { rf.replicationTicker(term) })
		return
	}
	args := &RequestVoteArgs{
		Term:         term,
		CandidateId:  rf.me,
		LastLogIndex: rf.lastLog.Index,
		LastLogTerm:  rf.lastLog.Term,
	}
	for peer := 0; peer < rf.peers; peer++ {
		if peer == rf.me {
			continue
		}
		rf.rt.Go(func() { rf.askVoteFromPeer(peer, args, round) })
	}
}

// askVoteFromPeer sends one RequestVote and counts its answer in round,
// which the round's askVoteFromPeer calls share under rf.mu.
func (rf *Raft) askVoteFromPeer(peer int, args *RequestVoteArgs, round *electionRound) {
	if rf.killed() {
		return // a crashed peer sends nothing
	}
	ctx, span := rf.trace.voteAsked(round, peer, args)
	defer rf.trace.end(span) // also if the runtime stops us mid-RPC
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
	// Align the term: a higher term anywhere means our candidacy is over.
	if reply.Term > rf.currentTerm {
		rf.becomeFollowerLocked(reply.Term) // ends the round as stepped down
		return
	}
	if rf.contextLostLocked(Candidate, args.Term) {
		return
	}
	if reply.VoteGranted {
		round.votes++
		if round.votes > rf.peers/2 {
			rf.becomeLeaderLocked()
			rf.finishRoundLocked(round, OutcomeWon)
			rf.rt.Go(func() { rf.replicationTicker(args.Term) })
			return
		}
	}
	rf.lostIfAllRepliedLocked(round)
}

// electionRound is one startElection's state, shared by its
// askVoteFromPeer calls under rf.mu.
type electionRound struct {
	votes   int
	replies int
	done    bool
	roundSpan
	// A pre-vote round (prevote.go) counts refusals too.
	preVote  bool
	refusals int
}

// finishRoundLocked ends round once, with its outcome.
func (rf *Raft) finishRoundLocked(round *electionRound, outcome string) {
	if round == nil || round.done {
		return
	}
	round.done = true
	rf.trace.electionFinished(round, outcome)
	if rf.round == round {
		rf.round = nil
	}
}

// lostIfAllRepliedLocked ends a round every peer has answered (or failed to)
// without electing us.
func (rf *Raft) lostIfAllRepliedLocked(round *electionRound) {
	if round.replies == rf.peers-1 && round.votes <= rf.peers/2 {
		rf.finishRoundLocked(round, OutcomeLost)
	}
}

// RequestVote is the RequestVote RPC handler.
func (rf *Raft) RequestVote(ctx context.Context, args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	span := rf.trace.voteRequested(ctx)
	defer rf.trace.voteDecided(span, args, reply)

	reply.Term = rf.currentTerm
	reply.VoteGranted = false
	if rf.stickToLeaderLocked() || rf.answeredPreVoteLocked(args, reply) {
		return // variants: leader stickiness, PreVote
	}
	if args.Term < rf.currentTerm {
		return
	}
	if args.Term > rf.currentTerm {
		rf.becomeFollowerLocked(args.Term)
		reply.Term = rf.currentTerm
	}
	if rf.votedFor != -1 && rf.votedFor != args.CandidateId {
		return
	}
	candidateLog := LogPosition{Index: args.LastLogIndex, Term: args.LastLogTerm}
	if !candidateLog.atLeastAsUpToDate(rf.lastLog) {
		return
	}
	// The timer restarts before the vote is written, after any write of a
	// newer term above: with writes that take time (package sim), that is
	// when LogCabin restarts it.
	rf.resetElectionTimerLocked()
	rf.votedFor = args.CandidateId
	rf.persistLocked()
	reply.VoteGranted = true
	rf.observer.VoteGranted(rf.me, rf.currentTerm, args.CandidateId)
}
