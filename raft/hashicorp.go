package raft

import "time"

// hashicorpTiming is hashicorp/raft's clockwork (Config.Hashicorp):
//
//   - a follower does not restart a timer on every heartbeat; it records
//     the last contact, and at random intervals of [HT, 2HT) (runFollower's
//     heartbeatTimer, util.go randomTimeout) checks whether that contact is
//     less than HT old. If not, it stands. So a dead leader is noticed
//     between HT and 3HT after its last heartbeat, at the follower's next
//     check. That timer starts when the peer becomes a follower (from
//     candidate, pre-candidate or leader, or at boot) and only then: a
//     follower that adopts a newer term, granting a vote or hearing a new
//     leader, stays in runFollower's loop and keeps its timer's phase;
//   - a candidate (and a pre-candidate: hashicorp pre-votes in its
//     candidate state) stands again after a random [ET, 2ET) without
//     winning (runCandidate's electionTimer);
//   - a leader heartbeats each follower after a random [HT/10, HT/5)
//     (replication.go heartbeat: randomTimeout(HT/10)); here in rounds to
//     every follower at once;
//   - a leader checks its lease (checkLeaderLease) one LeaderLeaseTimeout
//     after it was elected, then whenever the oldest contact that still
//     counts would expire (at least 10ms later): with fewer than a majority
//     heard within the lease, it steps down. hashicorp/raft always does
//     this, so it does not wait for Config.CheckQuorum;
//   - leader stickiness holds while the peer knows a leader: hashicorp
//     forgets it only when its own check finds the leader silent, that is
//     when it stands.
type hashicorpTiming struct {
	rf          *Raft
	h           HashicorpTiming
	lastContact time.Duration
	checkArmed  bool
	checkAt     time.Duration // a follower's next check
	standing    bool          // a candidate or pre-candidate
	standUntil  time.Duration
	leading     bool
}

// hashicorpMinCheckInterval is checkLeaderLease's floor between two checks
// (raft.go minCheckInterval).
const hashicorpMinCheckInterval = 10 * time.Millisecond

// random is util.go's randomTimeout: uniform in [d, 2d).
func (t *hashicorpTiming) random(d time.Duration) time.Duration {
	d = max(d, 1) // HT/10 of a few nanoseconds: never a zero wait
	return d + time.Duration(t.rf.rt.Int64N(int64(d)))
}

func (t *hashicorpTiming) armCheck() {
	t.checkArmed = true
	t.checkAt = t.rf.rt.Now() + t.random(t.h.HeartbeatTimeout)
}

// resetLocked records a contact (a leader's AppendEntries, a vote granted),
// as setLastContact does; no timer moves.
func (t *hashicorpTiming) resetLocked() { t.lastContact = t.rf.rt.Now() }

func (t *hashicorpTiming) timedOutLocked() bool {
	now := t.rf.rt.Now()
	switch {
	case t.standing:
		return now >= t.standUntil
	case !t.checkArmed:
		t.armCheck() // the peer has just started: runFollower's first timer
		return false
	case now < t.checkAt:
		return false
	case now-t.lastContact < t.h.HeartbeatTimeout:
		t.armCheck() // heard recently enough: check again later
		return false
	}
	return true
}

// untilNextCheckLocked sleeps to the next check or deadline, but never
// longer than the shorter of HT and ET: every deadline set while the ticker
// sleeps is at least that far away.
func (t *hashicorpTiming) untilNextCheckLocked() time.Duration {
	wait := min(t.h.HeartbeatTimeout, t.h.ElectionTimeout)
	now := t.rf.rt.Now()
	switch {
	case t.rf.role == Leader:
	case t.standing:
		wait = min(wait, t.standUntil-now)
	case t.checkArmed:
		wait = min(wait, t.checkAt-now)
	default:
		wait = 0
	}
	return max(wait, 0)
}

func (t *hashicorpTiming) enteredLocked(s stance) {
	switch s {
	case asFollower:
		// A follower whose term moved keeps its check timer (see above);
		// only a peer that leaves candidacy or leadership starts one.
		if t.standing || t.leading || !t.checkArmed {
			t.armCheck()
		}
		t.standing, t.leading = false, false
	case asPreCandidate, asCandidate:
		t.standing = true
		t.standUntil = t.rf.rt.Now() + t.random(t.h.ElectionTimeout)
	case asLeader:
		t.standing, t.leading = false, true
	}
}

// heardLeaderLocked: a pre-candidate that hears the leader of its term
// follows it again, with a fresh check timer (runFollower).
func (t *hashicorpTiming) heardLeaderLocked() {
	if t.standing {
		t.standing = false
		t.armCheck()
	}
}

// preVoteLostLocked: hashicorp waits for its election timer.
func (t *hashicorpTiming) preVoteLostLocked() {}

func (t *hashicorpTiming) heartbeatWaitLocked() time.Duration {
	return t.random(t.h.HeartbeatTimeout / 10)
}

func (t *hashicorpTiming) leaseHeldLocked(time.Duration) bool { return !t.standing }

func (t *hashicorpTiming) checksQuorum() bool { return true }

func (t *hashicorpTiming) quorumCheckLocked(q *quorumWatch) (bool, time.Duration) {
	now := t.rf.rt.Now()
	lease := t.h.LeaderLeaseTimeout
	if !q.scheduled {
		q.scheduled = true
		q.nextCheck = q.elected + lease
	}
	if now < q.nextCheck {
		return false, q.nextCheck - now
	}
	contacted := 1 // itself
	var maxDiff time.Duration
	for p := range q.heard {
		if p == q.me {
			continue
		}
		if diff := now - q.lastHeard(p); diff <= lease {
			contacted++
			maxDiff = max(maxDiff, diff)
		}
	}
	if contacted <= len(q.heard)/2 {
		return true, 0
	}
	wait := max(lease-maxDiff, hashicorpMinCheckInterval)
	q.nextCheck = now + wait
	return false, wait
}
