package bench

import (
	"fmt"
	"strings"
)

// Scenario is what a trial does to the cluster and what it measures.
type Scenario string

const (
	// ColdStart boots every peer (optionally with boot skew) and measures the
	// time to the first leader and until every peer has accepted its
	// heartbeat.
	ColdStart Scenario = "cold-start"
	// LeaderCrash is the Raft paper's failover measurement: wait for a stable
	// leader, let it send one heartbeat round to all peers, crash it at a
	// uniformly random point within its heartbeat interval, and measure the
	// time to a new leader and the downtime until every live peer has its
	// first heartbeat.
	LeaderCrash Scenario = "leader-crash"
	// Partition isolates the (live) leader, measures until the majority side
	// has a stable leader, then heals and measures until the old leader has
	// stepped down.
	Partition Scenario = "partition"
	// Steady injects no fault and counts spurious elections and leader
	// changes over a long run.
	Steady Scenario = "steady"
	// FollowerRejoin isolates one follower of a settled cluster for twice
	// the maximum election timeout (it times out at least once and, without
	// PreVote, raises its term), heals, and measures until every peer has
	// heard a leader of the newest term. A rejoining follower with a higher
	// term deposes a healthy leader: the phase's leader changes count the
	// leaders it cost.
	FollowerRejoin Scenario = "follower-rejoin"
	// OneWay starts as steady does, then cuts the link from the leader to
	// one follower in that direction only (the follower stops hearing the
	// leader; everything else still flows) and runs -duration, counting
	// the elections and leader changes the cut causes.
	OneWay Scenario = "one-way"
)

// Scenarios lists every scenario, default first.
var Scenarios = []Scenario{LeaderCrash, ColdStart, Partition, Steady, FollowerRejoin, OneWay}

// ParseScenario reads a scenario name.
func ParseScenario(s string) (Scenario, error) {
	for _, sc := range Scenarios {
		if strings.EqualFold(s, string(sc)) {
			return sc, nil
		}
	}
	names := make([]string, len(Scenarios))
	for i, sc := range Scenarios {
		names[i] = string(sc)
	}
	return "", fmt.Errorf("unknown scenario %q; want one of %s", s, strings.Join(names, ", "))
}

// Set reads a scenario name: *Scenario is a flag.Value.
func (s *Scenario) Set(name string) error {
	sc, err := ParseScenario(name)
	if err != nil {
		return err
	}
	*s = sc
	return nil
}

func (s Scenario) String() string { return string(s) }

// faulted reports whether the scenario's measured phase begins with a
// fault injected into a settled cluster, rather than at the boot.
func (s Scenario) faulted() bool { return s == LeaderCrash || s == Partition || s == FollowerRejoin }

// long reports whether the scenario's window after its measured phase
// runs -duration (steady, one-way) rather than -quiet.
func (s Scenario) long() bool { return s == Steady || s == OneWay }

// WindowLabel names the window after the measured phase, whose elections
// and RPC rates the tables give.
func (s Scenario) WindowLabel() string {
	if s == OneWay {
		return "with the leader->follower link cut"
	}
	return "fault-free"
}

// Labels names the scenario's two time metrics as a user reads them.
func (s Scenario) Labels() (elected, stable string) {
	switch s {
	case LeaderCrash:
		return "to leader", "downtime"
	case Partition:
		return "to leader (majority)", "to stable (majority)"
	case Steady, OneWay:
		return "first leader", "first stable"
	case FollowerRejoin:
		return "to new leader after heal", "to stable after heal"
	}
	return "to leader", "to stable"
}
