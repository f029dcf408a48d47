package report

import (
	"time"

	"github.com/raftbench/raftbench/sim"
)

// EtcdRule is etcd's tuning rule of thumb applied to a network: a
// heartbeat interval near the members' round-trip time (0.5 to 1.5 RTT) and
// an election timeout of at least ten round trips. etcd's defaults are a
// 100ms heartbeat and a 1000ms election timeout.
type EtcdRule struct {
	RTT                         time.Duration // mean round trip: twice the mean one-way latency
	HeartbeatLow, HeartbeatHigh time.Duration
	ElectionTimeoutMin          time.Duration
}

// EtcdRuleFor applies the rule to a latency model.
func EtcdRuleFor(lat sim.Latency) EtcdRule {
	var rtt time.Duration
	if lat != nil {
		rtt = 2 * lat.MeanDelay()
	}
	return EtcdRule{RTT: rtt, HeartbeatLow: rtt / 2, HeartbeatHigh: rtt * 3 / 2, ElectionTimeoutMin: 10 * rtt}
}
