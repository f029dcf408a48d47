package raft

import "time"

// tickTiming is etcd-io/raft's clockwork (Config.Ticks): a peer's clock
// advances in whole ticks from the moment the peer starts (etcd's node
// ticks on its own ticker), and every timer counts ticks:
//
//   - a follower or candidate stands once electionElapsed, the ticks since
//     its last reset, reaches randomizedElectionTimeout, drawn in
//     [ElectionTick, 2*ElectionTick) only when its term or role changes
//     (raft.go reset), not when it hears a heartbeat, which only sets
//     electionElapsed back to 0. A reset between two ticks counts from the
//     tick before it, so a timeout of R ticks fires R ticks after that tick:
//     between and R ticks after the reset;
//   - a leader sends heartbeats every HeartbeatTick ticks counted from its
//     election (tickHeartbeat), after the round it sends when elected;
//   - with CheckQuorum a leader checks, every ElectionTick ticks from its
//     election, that a majority replied since the previous check (etcd's
//     MsgCheckQuorum and RecentActive);
//   - leader stickiness holds while fewer than ElectionTick ticks have
//     passed since the leader was heard (etcd's inLease).
//
// No goroutine ticks: the ticks are computed from the clock, so that
// virtual time pays only for the moments something happens.
type tickTiming struct {
	rf    *Raft
	t     Ticks
	phase time.Duration // time of tick 0: the first reset (Start)
	// resetTick is the tick at or before the last reset; randomized the
	// timeout in ticks (0: not drawn yet).
	resetTick  int64
	randomized int64
	leaderTick int64 // the tick at or before the peer's election as leader
	pre        bool  // a pre-candidate (etcd's StatePreCandidate)
}

func newTickTiming(rf *Raft) *tickTiming {
	return &tickTiming{rf: rf, t: *rf.cfg.Ticks}
}

// tickOf is the last tick at or before at.
func (t *tickTiming) tickOf(at time.Duration) int64 { return int64((at - t.phase) / t.t.Tick) }

func (t *tickTiming) timeOf(tick int64) time.Duration { return t.phase + time.Duration(tick)*t.t.Tick }

// redraw is etcd's reset(): a new randomized timeout, counted from now.
func (t *tickTiming) redraw() {
	e := int64(t.t.ElectionTick)
	t.randomized = e + t.rf.rt.Int64N(e)
	t.resetTick = t.tickOf(t.rf.rt.Now())
}

func (t *tickTiming) resetLocked() {
	if t.randomized == 0 {
		// The peer starts: its ticks begin, and as etcd's becomeFollower
		// it draws a timeout.
		t.phase = t.rf.rt.Now()
		t.redraw()
		return
	}
	t.resetTick = t.tickOf(t.rf.rt.Now())
}

func (t *tickTiming) timedOutLocked() bool {
	return t.rf.rt.Now() >= t.timeOf(t.resetTick+t.randomized)
}

// untilNextCheckLocked sleeps to the deadline, but never longer than
// ElectionTick-1 ticks: a reset counts at least ElectionTick ticks from the
// tick before it, so it cannot set a deadline earlier than that.
func (t *tickTiming) untilNextCheckLocked() time.Duration {
	wait := time.Duration(t.t.ElectionTick-1) * t.t.Tick
	if t.rf.role != Leader {
		wait = min(wait, t.timeOf(t.resetTick+t.randomized)-t.rf.rt.Now())
	}
	return wait
}

func (t *tickTiming) enteredLocked(s stance) {
	if s == asPreCandidate {
		t.pre = true // etcd's becomePreCandidate draws nothing
		return
	}
	t.pre = false
	t.redraw()
	if s == asLeader {
		t.leaderTick = t.resetTick
	}
}

// heardLeaderLocked: a pre-candidate that hears the leader of its term
// becomes its follower again (etcd's becomeFollower: a new draw).
func (t *tickTiming) heardLeaderLocked() {
	if t.pre {
		t.pre = false
		t.redraw()
	}
}

// preVoteLostLocked: etcd's pre-candidate becomes a follower when a
// majority refuses (a new draw).
func (t *tickTiming) preVoteLostLocked() {
	t.pre = false
	t.redraw()
}

// heartbeatWaitLocked waits for the next tick that is a multiple of
// HeartbeatTick ticks after the election.
func (t *tickTiming) heartbeatWaitLocked() time.Duration {
	h := int64(t.t.HeartbeatTick)
	now := t.rf.rt.Now()
	next := t.leaderTick + h*((t.tickOf(now)-t.leaderTick)/h+1)
	return t.timeOf(next) - now
}

func (t *tickTiming) leaseHeldLocked(at time.Duration) bool {
	return t.tickOf(t.rf.rt.Now())-t.tickOf(at) < int64(t.t.ElectionTick)
}

func (t *tickTiming) checksQuorum() bool { return t.rf.cfg.CheckQuorum }

// quorumCheckLocked is etcd's MsgCheckQuorum: every ElectionTick ticks after
// the election, a leader that did not hear a majority (itself included)
// since the previous check steps down.
func (t *tickTiming) quorumCheckLocked(q *quorumWatch) (bool, time.Duration) {
	now := t.rf.rt.Now()
	every := time.Duration(t.t.ElectionTick) * t.t.Tick
	if !q.scheduled {
		q.scheduled = true
		q.nextCheck = t.timeOf(t.tickOf(q.elected)) + every
	}
	if now < q.nextCheck {
		return false, q.nextCheck - now
	}
	active := 1
	for p, h := range q.heard {
		if p != q.me && h >= q.windowStart {
			active++
		}
	}
	if active <= len(q.heard)/2 {
		return true, 0
	}
	q.windowStart = now
	q.nextCheck += every
	return false, q.nextCheck - now
}
