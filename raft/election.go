package raft

import "context"

// electionTicker runs for the peer's whole life. When a follower or candidate
// hears nothing from a leader for a full election timeout it starts a new
// term and an election round.
func (rf *Raft) electionTicker() {
	for !rf.killed() {
		rf.mu.Lock()
		if rf.role != Leader && rf.isElectionTimeoutLocked() {
			rf.becomeCandidateLocked()
			term := rf.currentTerm
			rf.resetElectionTimerLocked()
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
	votes := 1 // our own
	if votes > rf.peers/2 {
		// A one-peer cluster elects itself.
		rf.becomeLeaderLocked()
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
		rf.rt.Go(func() { rf.askVoteFromPeer(peer, args, &votes) })
	}
}

// askVoteFromPeer sends one RequestVote and counts its answer. votes is
// shared by the round's askVoteFromPeer calls and guarded by rf.mu.
func (rf *Raft) askVoteFromPeer(peer int, args *RequestVoteArgs, votes *int) {
	reply := &RequestVoteReply{}
	ok := rf.sendRequestVote(context.Background(), peer, args, reply)

	rf.mu.Lock()
	defer rf.mu.Unlock()
	if !ok || rf.killed() {
		return
	}
	// Align the term: a higher term anywhere means our candidacy is over.
	if reply.Term > rf.currentTerm {
		rf.becomeFollowerLocked(reply.Term)
		return
	}
	if rf.contextLostLocked(Candidate, args.Term) {
		return
	}
	if !reply.VoteGranted {
		return
	}
	*votes++
	if *votes > rf.peers/2 {
		rf.becomeLeaderLocked()
		rf.rt.Go(func() { rf.replicationTicker(args.Term) })
	}
}

// RequestVote is the RequestVote RPC handler.
func (rf *Raft) RequestVote(ctx context.Context, args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()

	reply.Term = rf.currentTerm
	reply.VoteGranted = false
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
	rf.votedFor = args.CandidateId
	rf.persistLocked()
	rf.resetElectionTimerLocked()
	reply.VoteGranted = true
	rf.observer.VoteGranted(rf.me, rf.currentTerm, args.CandidateId)
}
