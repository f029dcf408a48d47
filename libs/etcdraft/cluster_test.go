package etcdraft

import (
	"context"
	"testing"
	"time"

	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/latency"
)

// TestFailover runs a small, fast cluster through a few failovers and
// checks the figures against what etcd's timers allow.
func TestFailover(t *testing.T) {
	for _, pv := range []bool{true, false} {
		const (
			tick     = 10 * time.Millisecond
			election = 10 // ticks
			d        = 3 * time.Millisecond
			nodes    = 3
		)
		b := failover.NewBoard(nodes)
		c, err := New(Config{Nodes: nodes, Tick: tick, ElectionTick: election, PreVote: pv, CheckQuorum: pv,
			Latency: latency.Constant{D: d}, Seed: 1}, b)
		if err != nil {
			t.Fatal(err)
		}
		m, err := failover.Run(context.Background(), c, b, failover.Plan{
			Trials: 3, Heartbeat: tick, Settle: 5 * tick, Limit: 10 * time.Second, RateWindow: time.Second, Seed: 1})
		if err != nil {
			t.Fatalf("prevote=%v: %v", pv, err)
		}
		for i, tr := range m.Trials {
			if !tr.Converged || tr.NewLeader == tr.Crashed {
				t.Fatalf("prevote=%v trial %d: %+v", pv, i, tr)
			}
			// A follower waits at least ElectionTick ticks after the last
			// heartbeat, which left at most a tick before the crash; a
			// split vote may add rounds, but not many at three nodes.
			if lo, hi := (election-2)*tick, 6*election*tick; tr.TimeToLeader < lo || tr.TimeToLeader > hi {
				t.Errorf("prevote=%v trial %d: time to leader %v, want within [%v, %v]", pv, i, tr.TimeToLeader, lo, hi)
			}
			// The survivor hears of the new leader by a message: one delay later.
			if gap := tr.Downtime - tr.TimeToLeader; gap < d || gap > d+50*time.Millisecond {
				t.Errorf("prevote=%v trial %d: downtime %v is %v after the leader, want one delay %v (+ up to 50ms)", pv, i, tr.Downtime, gap, d)
			}
		}
		// HeartbeatTick 1: the leader heartbeats each follower every tick.
		want := float64(nodes-1) / tick.Seconds()
		if got := m.Rates["heartbeat"]; got < 0.85*want || got > 1.1*want {
			t.Errorf("prevote=%v: %.1f heartbeats/s, want %.0f", pv, got, want)
		}
		if m.Rates["vote"]+m.Rates["prevote"] != 0 {
			t.Errorf("prevote=%v: votes in the fault-free window: %v", pv, m.Rates)
		}
	}
}
