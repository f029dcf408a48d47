package raft

import "context"

// replicationTicker is the leader's heartbeat loop for term; it ends when the
// peer is no longer the leader of that term.
func (rf *Raft) replicationTicker(term int) {
	for !rf.killed() {
		if !rf.startReplication(term) {
			return
		}
		rf.rt.Sleep(rf.heartbeatInterval())
	}
}

// startReplication sends one round of AppendEntries (heartbeats) to every
// other peer. It returns false when the peer is no longer leader of term.
func (rf *Raft) startReplication(term int) bool {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.contextLostLocked(Leader, term) {
		return false
	}
	round := rf.trace.replicationStarted(term, rf.peers-1)
	rf.observer.HeartbeatRound(rf.me, term)
	args := &AppendEntriesArgs{Term: term, LeaderId: rf.me}
	for peer := 0; peer < rf.peers; peer++ {
		if peer == rf.me {
			continue
		}
		rf.rt.Go(func() { rf.replicateToPeer(peer, args, round) })
	}
	return true
}

// replicateToPeer sends one AppendEntries and handles its reply: a higher
// term in the reply means a newer leader may exist, so step down.
func (rf *Raft) replicateToPeer(peer int, args *AppendEntriesArgs, round *replicationRound) {
	if rf.killed() {
		rf.trace.replicationEnded(round, nil)
		return // a crashed peer sends nothing
	}
	ctx, span := rf.trace.replicationAsked(round, peer, args)
	defer rf.trace.replicationEnded(round, span) // also if the runtime stops us mid-RPC
	reply := &AppendEntriesReply{}
	ok := rf.sendAppendEntries(ctx, peer, args, reply)

	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.trace.replicationAnswered(span, ok, reply, reply.Term > rf.currentTerm && !rf.killed())
	if !ok || rf.killed() {
		return
	}
	if reply.Term > rf.currentTerm {
		rf.becomeFollowerLocked(reply.Term)
		return
	}
	// Part A carries no entries, so a successful reply needs no bookkeeping
	// beyond CheckQuorum's: the follower is there.
	rf.followerAnsweredLocked(peer, args.Term)
}

// AppendEntries is the AppendEntries RPC handler: a leader whose term is not
// lower than ours is accepted, we become (or stay) its follower and restart
// the election timer.
func (rf *Raft) AppendEntries(ctx context.Context, args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	span := rf.trace.appendEntriesReceived(ctx)
	defer rf.trace.appendEntriesDecided(span, args, reply)

	reply.Term = rf.currentTerm
	reply.Success = false
	if args.Term < rf.currentTerm {
		return
	}
	// Same term: a candidate learns it lost. Higher term: adopt it.
	rf.becomeFollowerLocked(args.Term)
	reply.Term = rf.currentTerm
	reply.Success = true
	rf.resetElectionTimerLocked()
	rf.heardFromLeaderLocked()
	rf.observer.HeartbeatAccepted(rf.me, rf.currentTerm, args.LeaderId)
}
