package raft

import "time"

// resetElectionTimerLocked restarts the election timer: the peer heard from
// a leader, granted a vote, or stands for election. The paper's timer draws
// a fresh timeout; Config.Ticks and Config.Hashicorp change what a reset
// means (see timing).
func (rf *Raft) resetElectionTimerLocked() { rf.timing.resetLocked() }

// isElectionTimeoutLocked reports whether the election timer has run out.
func (rf *Raft) isElectionTimeoutLocked() bool { return rf.timing.timedOutLocked() }

// untilNextTimerCheckLocked is how long the election ticker may sleep.
func (rf *Raft) untilNextTimerCheckLocked() time.Duration { return rf.timing.untilNextCheckLocked() }

// heartbeatInterval is how long the leader's replicationTicker waits
// between rounds.
func (rf *Raft) heartbeatInterval() time.Duration {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.timing.heartbeatWaitLocked()
}

// timing is a peer's clockwork: when a follower or candidate stands for
// election, and when a leader sends heartbeats. paperTiming (below) is the
// lab's; ticks.go holds etcd-io/raft's and hashicorp.go hashicorp/raft's.
// Every method is called with rf.mu held.
type timing interface {
	// resetLocked is the lab's timer reset (see resetElectionTimerLocked).
	resetLocked()
	timedOutLocked() bool
	// untilNextCheckLocked must not sleep past a deadline that a reset or
	// a change of role made while the ticker slept could set.
	untilNextCheckLocked() time.Duration
	// enteredLocked: the peer changed term or role, or started a pre-vote.
	enteredLocked(s stance)
	// heardLeaderLocked: the peer accepted AppendEntries from a leader.
	heardLeaderLocked()
	// preVoteLostLocked: a majority refused the peer's pre-vote.
	preVoteLostLocked()
	heartbeatWaitLocked() time.Duration
	// quorumCheckLocked says whether a leader watched by q has lost its
	// majority (Config.CheckQuorum, or the Hashicorp lease), and if not how
	// long until the next check.
	quorumCheckLocked(q *quorumWatch) (lost bool, wait time.Duration)
	// checksQuorum reports whether a leader watches its majority at all.
	checksQuorum() bool
	// leaseHeldLocked reports whether a leader heard at time at still
	// holds this peer's vote back (leader stickiness).
	leaseHeldLocked(at time.Duration) bool
}

// stance is what a peer has just become, for timing.enteredLocked.
type stance int

const (
	asFollower stance = iota
	asPreCandidate
	asCandidate
	asLeader
)

func newTiming(rf *Raft) timing {
	switch {
	case rf.cfg.Ticks != nil:
		return newTickTiming(rf)
	case rf.cfg.Hashicorp != nil:
		return &hashicorpTiming{rf: rf, h: *rf.cfg.Hashicorp}
	}
	return &paperTiming{rf: rf}
}

// paperTiming is the lab's: every reset draws a fresh timeout uniformly from
// [ElectionTimeoutMin, ElectionTimeoutMax] (in steps of
// ElectionTimeoutResolution if it is set), and a timeout fires when
// rt.Now() passes start + timeout.
type paperTiming struct {
	rf      *Raft
	start   time.Duration
	timeout time.Duration
}

func (t *paperTiming) resetLocked() {
	rf := t.rf
	t.start = rf.rt.Now()
	spread := int64(rf.cfg.ElectionTimeoutMax - rf.cfg.ElectionTimeoutMin)
	step := int64(1)
	if r := int64(rf.cfg.ElectionTimeoutResolution); r > 0 {
		step = r
	}
	t.timeout = rf.cfg.ElectionTimeoutMin + time.Duration(rf.rt.Int64N(spread/step+1)*step)
}

func (t *paperTiming) timedOutLocked() bool {
	return t.rf.rt.Now() >= t.start+t.timeout
}

// untilNextCheckLocked sleeps to the deadline exactly, but never longer than
// ElectionTimeoutMin: a reset draws a new timeout of at least that length,
// so a deadline moved earlier by a reset is still after the ticker's next
// wake-up.
func (t *paperTiming) untilNextCheckLocked() time.Duration {
	rf := t.rf
	wait := rf.cfg.ElectionTimeoutMin
	if rf.role != Leader {
		if left := t.start + t.timeout - rf.rt.Now(); left < wait {
			wait = left
		}
	}
	return wait
}

// The lab restarts its timer itself where the paper says so; a change of
// role or a leader's message means nothing more to it.
func (t *paperTiming) enteredLocked(stance) {}
func (t *paperTiming) heardLeaderLocked()   {}
func (t *paperTiming) preVoteLostLocked()   {}

func (t *paperTiming) heartbeatWaitLocked() time.Duration { return t.rf.cfg.HeartbeatInterval }

func (t *paperTiming) leaseHeldLocked(at time.Duration) bool {
	return t.rf.rt.Now()-at < t.rf.cfg.ElectionTimeoutMin
}

func (t *paperTiming) checksQuorum() bool { return t.rf.cfg.CheckQuorum }

func (t *paperTiming) quorumCheckLocked(q *quorumWatch) (bool, time.Duration) {
	return q.slidingCheckLocked(t.rf.rt.Now(), t.rf.cfg.ElectionTimeoutMin)
}
