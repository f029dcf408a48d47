// Package raft is one Raft peer doing leader election and heartbeats: part A
// of the MIT 6.824/6.5840 Raft lab, written in the lab's teaching structure so
// a student can read it next to the lab handout.
//
// # Where to find things
//
//   - election.go: electionTicker (the background loop that notices an
//     election timeout), startElection (one round of RequestVote RPCs),
//     askVoteFromPeer (one RPC and its reply) and the [Raft.RequestVote]
//     handler.
//   - replication.go: replicationTicker (the leader's heartbeat loop),
//     startReplication (one round of AppendEntries RPCs), replicateToPeer (one
//     RPC and its reply) and the [Raft.AppendEntries] handler.
//   - raft.go: the [Raft] struct, [Make], [Raft.GetState], [Raft.Kill] and
//     killed, the role transitions becomeFollowerLocked, becomeCandidateLocked
//     and becomeLeaderLocked, and contextLostLocked.
//   - timer.go: resetElectionTimerLocked and isElectionTimeoutLocked, and
//     the timing interface behind them: the lab's timer (paperTiming), or
//     etcd-io/raft's ticks (ticks.go) or hashicorp/raft's timers
//     (hashicorp.go) when [Config] asks for them.
//   - variants.go: the protocol variants of [Config], each in a file of
//     its own (prevote.go, stickiness.go, checkquorum.go), reached from
//     the lab's functions through one-line hooks; with every option off
//     the lab's functions do what the handout says.
//   - persist.go: currentTerm and votedFor, saved before any vote is granted
//     or any term is adopted. A save may take time (a disk write): the
//     [Runtime]'s clock then reads past it, so the order of statements around
//     persistLocked is the order in which a real server pays for them. The
//     election timer restarts before a candidate's write and between a
//     voter's two writes (the new term, then the vote), as LogCabin does.
//   - tracing.go: optional OpenTelemetry spans of election and heartbeat
//     rounds and of each RPC ([Tracing]). The lab functions call one-line
//     hooks (rf.trace.electionStarted, rf.trace.voteAsked, ...); with no
//     tracer configured each costs a nil check, and no round's bookkeeping
//     depends on whether a span was sampled. [Tracing].Record, asked as
//     each round begins, lets a caller record only some rounds (package
//     bench records a trial's measured phase in full and elections after
//     it); a declined round records nothing and allocates nothing.
//
// # Locks
//
// Functions whose names end in Locked must be called with rf.mu held. No
// function holds rf.mu across a wait or an RPC: that is the lab's rule, and
// the virtual-time scheduler in package sim relies on it.
//
// # The world outside
//
// The peer never touches the time package or the go statement. Time,
// goroutines and randomness come from a [Runtime]; RPCs go through a
// [Transport]; durable state goes through a [Persister]; an [Observer] hears
// of every change of role, vote and heartbeat. Package sim provides a
// deterministic virtual-time implementation of all of them and a real-time
// one, so the same code is measured in simulation and checked against
// reality.
//
// # Timer precision
//
// The election ticker sleeps exactly until the election deadline (or for at
// most [Config].ElectionTimeoutMin, so that a timer reset that moves the
// deadline earlier is never missed), instead of polling every 50-350 ms as
// the lab's skeleton suggests. etcd's ticks are computed from the clock the
// same way, not ticked by a goroutine. Under virtual time it fires at the deadline
// exactly; under real time the remaining lag is the operating system's timer
// and goroutine wake-up latency, typically well under 1 ms.
package raft
