package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
)

// Timer jitter delays elections by at most the jitter, and differently for
// each seed.
func TestTimerJitterDelaysTimers(t *testing.T) {
	ms := time.Millisecond
	firstElection := func(seed uint64, jitter time.Duration) time.Duration {
		c, err := NewCluster(Config{Nodes: 3, Seed: seed, TimerJitter: jitter,
			Raft: raft.Config{HeartbeatInterval: 50 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 150 * ms}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Stop()
		c.RunUntil(time.Second, func(e Event) bool { return e.Kind == StateChange && e.Role == raft.Candidate })
		return c.Now()
	}
	if at := firstElection(1, 0); at != 150*ms {
		t.Fatalf("without jitter the first election starts at %v; want 150ms", at)
	}
	seen := map[time.Duration]bool{}
	for seed := range uint64(10) {
		at := firstElection(seed, 2*ms)
		if at < 150*ms || at > 152*ms {
			t.Fatalf("seed %d: first election at %v; want within 150ms..152ms", seed, at)
		}
		seen[at] = true
	}
	if len(seen) < 5 {
		t.Fatalf("jittered elections started at only %d distinct times over 10 seeds", len(seen))
	}
}

// With zero latency and a fixed 150ms timeout, boot delays decide the
// election exactly: peer 0 boots first, times out at 150ms, and wins at once
// because the others (deadlines 160ms and 170ms) grant their votes.
func TestBootDelaysDecideFirstElection(t *testing.T) {
	ms := time.Millisecond
	c, err := NewCluster(Config{
		Nodes:      3,
		Raft:       raft.Config{HeartbeatInterval: 50 * ms, ElectionTimeoutMin: 150 * ms, ElectionTimeoutMax: 150 * ms},
		BootDelays: []time.Duration{0, 10 * ms, 20 * ms},
		Record:     true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	c.RunFor(5 * ms)
	if c.Alive(1) || c.Alive(2) || !c.Alive(0) {
		t.Fatal("peers 1 and 2 booted before their delay")
	}
	if !c.RunUntil(time.Second, func(e Event) bool { return e.Kind == StateChange && e.Role == raft.Leader }) {
		t.Fatal("no leader")
	}
	if leader, _ := c.Leader(); leader != 0 || c.Now() != 150*ms {
		t.Fatalf("leader %d at %v; want peer 0 at 150ms", leader, c.Now())
	}
}

// A peer goroutine stuck outside the scheduler fails the run with a clear
// error, and Stop still returns.
func TestStuckRunReportsAndStops(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	c, err := NewCluster(Config{Nodes: 3, Watchdog: 100 * time.Millisecond,
		OnEvent: func(e Event) {
			if e.Kind == StateChange && e.Role == raft.Candidate {
				<-block // a raw channel, with the peer's lock held
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Second)
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "raw channel") {
		t.Fatalf("Err() = %v; want the stuck-task error", err)
	}
	done := make(chan struct{})
	go func() { c.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop hung after a stuck run")
	}
}
