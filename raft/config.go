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

	// Protocol variants (issue 12; their behaviour is being built).
	PreVote          bool
	CheckQuorum      bool
	LeaderStickiness bool
	Ticks            *Ticks
	Hashicorp        *HashicorpTiming
}

// Ticks runs a peer's timers in ticks, as etcd-io/raft does.
type Ticks struct {
	Tick          time.Duration
	HeartbeatTick int
	ElectionTick  int
}

// HashicorpTiming runs a peer's timers as hashicorp/raft does.
type HashicorpTiming struct {
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
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
