package raft

import (
	"fmt"
	"time"
)

// Config holds the timing knobs that raftbench exists to tune.
type Config struct {
	// HeartbeatInterval is how often a leader sends AppendEntries to every
	// follower (the lab's "replicate interval").
	HeartbeatInterval time.Duration
	// ElectionTimeoutMin and ElectionTimeoutMax bound the randomized election
	// timeout: each time the timer is reset a new timeout is drawn uniformly
	// from [ElectionTimeoutMin, ElectionTimeoutMax].
	ElectionTimeoutMin time.Duration
	ElectionTimeoutMax time.Duration
	// ElectionTimeoutResolution, if not zero, draws the timeout in whole
	// steps of this size: LogCabin draws whole milliseconds, so its
	// "150-151ms" range is 150ms or 151ms, never anything between. Zero
	// draws any nanosecond of the range (as hashicorp/raft does).
	ElectionTimeoutResolution time.Duration

	// The protocol variants below are off in the zero value, which is the
	// Raft paper's protocol as the MIT lab teaches it. variants.go holds
	// what each one changes and why.

	// PreVote: a would-be candidate first asks (RequestVote with PreVote
	// set, proposing its term+1 without adopting it, persisting nothing)
	// whether it could win; only a majority of yes starts a real election,
	// so a peer that was cut off cannot raise the cluster's term when it
	// returns. Source: the Raft dissertation (Ongaro 2014) §9.6;
	// etcd-io/raft's Config.PreVote (on in etcd; hashicorp/raft v1.8 runs
	// pre-votes too unless told not to). A pre-candidate's Role stays
	// Follower (etcd calls the state StatePreCandidate).
	PreVote bool
	// CheckQuorum: a leader that has not heard from a majority (replies to
	// its AppendEntries count, its own vote counts) within an election
	// timeout steps down to follower: ElectionTimeoutMin after the last
	// moment a majority was heard; with Ticks, etcd's check every
	// ElectionTick ticks of the replies since the previous check. (With
	// Hashicorp the leader lease does this whatever CheckQuorum says, as
	// hashicorp/raft has no switch for it.) As in etcd-io/raft, CheckQuorum
	// also turns on leader stickiness. Source: the dissertation §6.2 and
	// §9.6; etcd-io/raft's Config.CheckQuorum.
	CheckQuorum bool
	// LeaderStickiness: a peer that heard from a current leader within
	// ElectionTimeoutMin (a leader: itself) refuses RequestVote, real votes
	// and pre-votes, without adopting the candidate's term, so a candidate
	// that cannot hear the leader cannot depose it. Source: the
	// dissertation §4.2.3 and §9.6; etcd-io/raft's "lease" check on votes
	// (tied to CheckQuorum there); hashicorp/raft refuses any vote while it
	// knows a leader.
	LeaderStickiness bool
	// Ticks, if not nil, runs the timers in whole ticks as etcd-io/raft
	// does (ticks.go). Ticks and Hashicorp exclude each other.
	Ticks *Ticks
	// Hashicorp, if not nil, runs hashicorp/raft's timers (hashicorp.go).
	Hashicorp *HashicorpTiming
}

// Ticks is etcd-io/raft's logical clock: a peer's timers advance one tick
// at a time (raft.go: tickElection, tickHeartbeat, electionElapsed and
// heartbeatElapsed counters). With Ticks set, HeartbeatInterval and
// ElectionTimeoutMin/Max still hold the effective durations (the caller
// fills them, for labels and warnings); the peer runs on the ticks.
type Ticks struct {
	// Tick is one tick (etcd server: its --heartbeat-interval).
	Tick time.Duration
	// HeartbeatTick: a leader sends heartbeats every HeartbeatTick ticks.
	HeartbeatTick int
	// ElectionTick: a follower's (and candidate's) timeout is drawn in
	// [ElectionTick, 2*ElectionTick) whole ticks (etcd's
	// randomizedElectionTimeout), counted in ticks since the last reset;
	// it is drawn again only when the peer's term or role changes, not on
	// every heartbeat.
	ElectionTick int
}

// HashicorpTiming is hashicorp/raft's timing (config.go HeartbeatTimeout,
// ElectionTimeout, LeaderLeaseTimeout; raft.go runFollower, runCandidate,
// checkLeaderLease; replication.go heartbeat; util.go randomTimeout, which
// draws in [d, 2d)). As with Ticks, HeartbeatInterval and
// ElectionTimeoutMin/Max still hold the effective durations.
type HashicorpTiming struct {
	// HeartbeatTimeout: a follower checks every random [HT, 2HT) whether
	// it heard the leader within HT; if not, it becomes candidate. It does
	// not reset its timer on each heartbeat (it records the last contact).
	// The leader heartbeats every random [HT/10, HT/5) (randomTimeout of
	// HT/10).
	HeartbeatTimeout time.Duration
	// ElectionTimeout: a candidate starts a new election after a random
	// [ET, 2ET) without winning.
	ElectionTimeout time.Duration
	// LeaderLeaseTimeout: a leader steps down if it has not heard from a
	// majority within this, checked as checkLeaderLease does: first one
	// lease after it was elected, then again when the oldest contact that
	// still counts would expire (at least 10ms later).
	LeaderLeaseTimeout time.Duration
}

// DefaultConfig follows the Raft paper's rule of thumb for a LAN: heartbeat
// well below the minimum timeout, maximum timeout twice the minimum.
func DefaultConfig() Config {
	return Config{
		HeartbeatInterval:  75 * time.Millisecond,
		ElectionTimeoutMin: 150 * time.Millisecond,
		ElectionTimeoutMax: 300 * time.Millisecond,
	}
}

// Validate reports the first setting that cannot work, naming the field and
// the accepted form.
func (c Config) Validate() error {
	if c.HeartbeatInterval <= 0 {
		return fmt.Errorf("raft config: HeartbeatInterval is %v; want a positive duration such as 75ms", c.HeartbeatInterval)
	}
	if c.ElectionTimeoutMin <= 0 {
		return fmt.Errorf("raft config: ElectionTimeoutMin is %v; want a positive duration such as 150ms", c.ElectionTimeoutMin)
	}
	if c.ElectionTimeoutMax <= 0 {
		return fmt.Errorf("raft config: ElectionTimeoutMax is %v; want a positive duration such as 300ms", c.ElectionTimeoutMax)
	}
	if c.ElectionTimeoutMax < c.ElectionTimeoutMin {
		return fmt.Errorf("raft config: ElectionTimeoutMax (%v) is below ElectionTimeoutMin (%v); want Min <= Max",
			c.ElectionTimeoutMax, c.ElectionTimeoutMin)
	}
	if c.ElectionTimeoutResolution < 0 {
		return fmt.Errorf("raft config: ElectionTimeoutResolution is %v; want 0 (any nanosecond) or a step such as 1ms", c.ElectionTimeoutResolution)
	}
	return c.validateTimers()
}

// validateTimers checks Ticks and Hashicorp with the rules of the libraries
// they imitate.
func (c Config) validateTimers() error {
	if c.Ticks != nil && c.Hashicorp != nil {
		return fmt.Errorf("raft config: both Ticks and Hashicorp are set; want at most one of them")
	}
	if t := c.Ticks; t != nil {
		if t.Tick <= 0 {
			return fmt.Errorf("raft config: Ticks.Tick is %v; want a positive duration such as 100ms", t.Tick)
		}
		if t.HeartbeatTick < 1 {
			return fmt.Errorf("raft config: Ticks.HeartbeatTick is %d; want 1 or more ticks", t.HeartbeatTick)
		}
		// etcd-io/raft's Config.validate refuses the same.
		if t.ElectionTick <= t.HeartbeatTick {
			return fmt.Errorf("raft config: Ticks.ElectionTick (%d) is not above Ticks.HeartbeatTick (%d); want ElectionTick > HeartbeatTick, such as 10 and 1",
				t.ElectionTick, t.HeartbeatTick)
		}
	}
	if h := c.Hashicorp; h != nil {
		for _, f := range []struct {
			name string
			d    time.Duration
			eg   string
		}{{"HeartbeatTimeout", h.HeartbeatTimeout, "1s"}, {"ElectionTimeout", h.ElectionTimeout, "1s"}, {"LeaderLeaseTimeout", h.LeaderLeaseTimeout, "500ms"}} {
			if f.d <= 0 {
				return fmt.Errorf("raft config: Hashicorp.%s is %v; want a positive duration such as %s", f.name, f.d, f.eg)
			}
		}
		// hashicorp/raft's ValidateConfig refuses the same.
		if h.LeaderLeaseTimeout > h.HeartbeatTimeout {
			return fmt.Errorf("raft config: Hashicorp.LeaderLeaseTimeout (%v) is above Hashicorp.HeartbeatTimeout (%v); want LeaderLeaseTimeout <= HeartbeatTimeout",
				h.LeaderLeaseTimeout, h.HeartbeatTimeout)
		}
	}
	return nil
}

// Warnings lists settings that are valid but will make a cluster misbehave.
func (c Config) Warnings() []string {
	var w []string
	if c.HeartbeatInterval >= c.ElectionTimeoutMin {
		w = append(w, fmt.Sprintf(
			"HeartbeatInterval (%v) is not below ElectionTimeoutMin (%v): followers will time out between heartbeats and start spurious elections",
			c.HeartbeatInterval, c.ElectionTimeoutMin))
	}
	if r := c.ElectionTimeoutResolution; r > 0 && c.ElectionTimeoutMax-c.ElectionTimeoutMin < r && c.ElectionTimeoutMax > c.ElectionTimeoutMin {
		w = append(w, fmt.Sprintf(
			"ElectionTimeoutResolution (%v) is coarser than the timeout range %v..%v: every timeout is %v, and peers that time out together split their votes",
			r, c.ElectionTimeoutMin, c.ElectionTimeoutMax, c.ElectionTimeoutMin))
	}
	return w
}
