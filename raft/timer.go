package raft

import "time"

// resetElectionTimerLocked restarts the election timer with a fresh timeout
// drawn uniformly from [ElectionTimeoutMin, ElectionTimeoutMax], in steps of
// ElectionTimeoutResolution if it is set.
func (rf *Raft) resetElectionTimerLocked() {
	rf.electionStart = rf.rt.Now()
	spread := int64(rf.cfg.ElectionTimeoutMax - rf.cfg.ElectionTimeoutMin)
	step := int64(1)
	if r := int64(rf.cfg.ElectionTimeoutResolution); r > 0 {
		step = r
	}
	rf.electionTimeout = rf.cfg.ElectionTimeoutMin + time.Duration(rf.rt.Int64N(spread/step+1)*step)
}

// isElectionTimeoutLocked reports whether the election timer has run out.
func (rf *Raft) isElectionTimeoutLocked() bool {
	return rf.rt.Now() >= rf.electionStart+rf.electionTimeout
}

// untilNextTimerCheckLocked is how long the election ticker may sleep. It
// sleeps to the deadline exactly, but never longer than ElectionTimeoutMin:
// a reset draws a new timeout of at least that length, so a deadline moved
// earlier by a reset is still after the ticker's next wake-up.
func (rf *Raft) untilNextTimerCheckLocked() time.Duration {
	wait := rf.cfg.ElectionTimeoutMin
	if rf.role != Leader {
		if left := rf.electionStart + rf.electionTimeout - rf.rt.Now(); left < wait {
			wait = left
		}
	}
	return wait
}
