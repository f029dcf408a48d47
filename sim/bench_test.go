package sim

import (
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
)

// leaderCrashTrial is the engine's unit of work in a failover sweep: boot
// five peers, wait for a leader, crash it, wait for the next leader.
func leaderCrashTrial(tb testing.TB, seed uint64) time.Duration {
	c, err := NewCluster(Config{
		Nodes: 5,
		Seed:  seed,
		Raft: raft.Config{
			HeartbeatInterval:  75 * time.Millisecond,
			ElectionTimeoutMin: 150 * time.Millisecond,
			ElectionTimeoutMax: 300 * time.Millisecond,
		},
		Network: Network{Latency: Constant{5 * time.Millisecond}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Stop()
	isLeader := func(e Event) bool { return e.Kind == StateChange && e.Role == raft.Leader }
	if !c.RunUntil(10*time.Second, isLeader) {
		tb.Fatalf("seed %d: no first leader", seed)
	}
	old, _ := c.Leader()
	c.RunFor(time.Duration(seed%75) * time.Millisecond)
	if err := c.Crash(old); err != nil {
		tb.Fatal(err)
	}
	crashed := c.Now()
	if !c.RunUntil(10*time.Second, isLeader) {
		tb.Fatalf("seed %d: no leader after the crash", seed)
	}
	if err := c.Err(); err != nil {
		tb.Fatal(err)
	}
	return c.Now() - crashed
}

// BenchmarkLeaderCrashTrial reports trials/s; the target is 1000 trials in
// under a second on one core (go test -bench LeaderCrash -cpu 1).
func BenchmarkLeaderCrashTrial(b *testing.B) {
	for i := 0; i < b.N; i++ {
		leaderCrashTrial(b, uint64(i))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "trials/s")
}

// BenchmarkRealtimeTimerLag measures how late the real-time runtime wakes a
// 10ms Sleep: the election ticker's remaining lag in real time.
func BenchmarkRealtimeTimerLag(b *testing.B) {
	r := newRealtime(1)
	defer r.Stop()
	var total, worst time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		r.Sleep(10 * time.Millisecond)
		late := time.Since(start) - 10*time.Millisecond
		total += late
		worst = max(worst, late)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "mean-lag-µs")
	b.ReportMetric(float64(worst.Microseconds()), "max-lag-µs")
}
