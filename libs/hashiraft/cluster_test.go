package hashiraft

import (
	"context"
	"regexp"
	"strings"
	"sync"
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

// TestFreshTrials: with Plan.Fresh each trial runs on a cluster booted for
// it on empty stores, so each crashes its cluster's first leader, elected
// in term 2 (the bootstrap configuration is term 1), or 3 after a split
// vote. A reboot that kept the stores, or no reboot, would crash a leader
// of a later term in the second trial. The timeline (Config.Trace) shows it.
func TestFreshTrials(t *testing.T) {
	const (
		hbTimeout = 100 * time.Millisecond
		nodes     = 3
		trials    = 2
	)
	tl := &lockedWriter{w: &strings.Builder{}}
	b := failover.NewBoard(nodes)
	c, err := New(Config{Nodes: nodes, HeartbeatTimeout: hbTimeout, ElectionTimeout: hbTimeout,
		LeaderLeaseTimeout: hbTimeout / 2, Latency: latency.Constant{D: time.Millisecond}, Seed: 1, Trace: tl}, b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := failover.Run(context.Background(), c, b, failover.Plan{
		Trials: trials, Fresh: true, Heartbeat: hbTimeout / 10, Settle: hbTimeout / 2, Limit: 10 * time.Second, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Trials) != trials {
		t.Fatalf("%d trials, want %d", len(m.Trials), trials)
	}
	// Split the timeline at each reboot: every part elects one leader
	// before its crash, in term 2 or 3, and another after it.
	parts := strings.Split(tl.String(), "harness  reboot\n")
	if len(parts) != trials+1 {
		t.Fatalf("%d reboots in the timeline, want %d:\n%s", len(parts)-1, trials, tl.String())
	}
	leaderRE := regexp.MustCompile(`state Leader \(term (\d+)\)`)
	for i, p := range parts[1:] {
		crash := strings.Index(p, "harness  crash")
		if crash < 0 {
			t.Fatalf("trial %d: no crash in its timeline:\n%s", i, p)
		}
		before := leaderRE.FindAllStringSubmatch(p[:crash], -1)
		if len(before) != 1 || (before[0][1] != "2" && before[0][1] != "3") {
			t.Errorf("trial %d: leaders before the crash %v, want one, of term 2 or 3:\n%s", i, before, p)
		}
		if !leaderRE.MatchString(p[crash:]) {
			t.Errorf("trial %d: no leader after the crash:\n%s", i, p)
		}
		for _, want := range []string{"RequestPreVote ->", "RequestVote ->", "heartbeat from"} {
			if !strings.Contains(p, want) {
				t.Errorf("trial %d: the timeline has no %q line", i, want)
			}
		}
	}
}

// lockedWriter is a timeline a test can read while a straggling RPC
// goroutine of a shut-down node may still write to it.
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
