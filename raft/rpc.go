package raft

// RequestVoteArgs is the RequestVote RPC's request (Figure 2 of the paper).
type RequestVoteArgs struct {
	Term         int
	CandidateId  int
	LastLogIndex int
	LastLogTerm  int
	// PreVote asks whether the voter would grant a vote for Term, without
	// the voter changing or persisting anything (Config.PreVote; the
	// dissertation §9.6). The candidate proposes its term+1 and keeps its
	// own term until it has a majority of pre-votes.
	PreVote bool
}

// RequestVoteReply is the RequestVote RPC's reply.
type RequestVoteReply struct {
	Term        int
	VoteGranted bool
}

// AppendEntriesArgs is the AppendEntries RPC's request. Part A sends only
// heartbeats, so there are no entries.
type AppendEntriesArgs struct {
	Term     int
	LeaderId int
}

// AppendEntriesReply is the AppendEntries RPC's reply.
type AppendEntriesReply struct {
	Term    int
	Success bool
}
