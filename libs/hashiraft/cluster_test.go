package hashiraft

import (
	"context"
	"testing"
	"time"

	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/latency"
)

// TestFailover runs a small, fast cluster through a few failovers and
// checks the figures against what hashicorp's timers allow.
func TestFailover(t *testing.T) {
	const (
		hbTimeout = 100 * time.Millisecond
		d         = 3 * time.Millisecond
		nodes     = 3
	)
	b := failover.NewBoard(nodes)
	c, err := New(Config{Nodes: nodes, HeartbeatTimeout: hbTimeout, ElectionTimeout: hbTimeout,
		LeaderLeaseTimeout: hbTimeout / 2, Latency: latency.Constant{D: d}, Seed: 1}, b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := failover.Run(context.Background(), c, b, failover.Plan{
		Trials: 3, Heartbeat: hbTimeout / 10, Settle: hbTimeout / 2, Limit: 10 * time.Second, RateWindow: time.Second, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range m.Trials {
		if !tr.Converged || tr.NewLeader == tr.Crashed {
			t.Fatalf("trial %d: %+v", i, tr)
		}
		// A follower suspects the leader only after HeartbeatTimeout
		// without contact, which it had at most 2/10 of it before the crash.
		if lo, hi := hbTimeout/2, 20*hbTimeout; tr.TimeToLeader < lo || tr.TimeToLeader > hi {
			t.Errorf("trial %d: time to leader %v, want within [%v, %v]", i, tr.TimeToLeader, lo, hi)
		}
		if gap := tr.Downtime - tr.TimeToLeader; gap < d || gap > d+50*time.Millisecond {
			t.Errorf("trial %d: downtime %v is %v after the leader, want one delay %v (+ up to 50ms)", i, tr.Downtime, gap, d)
		}
	}
	// Heartbeats every [1/10, 2/10) of the timeout plus a round trip, to each follower.
	lo, hi := float64(nodes-1)/(hbTimeout/5+2*d).Seconds(), float64(nodes-1)/(hbTimeout/10).Seconds()
	if got := m.Rates["heartbeat"]; got < lo || got > hi {
		t.Errorf("%.1f heartbeats/s, want within [%.0f, %.0f]", got, lo, hi)
	}
	if m.Rates["vote"]+m.Rates["prevote"] != 0 {
		t.Errorf("votes in the fault-free window: %v", m.Rates)
	}
}
