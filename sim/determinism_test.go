package sim

import (
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
)

// faultyRun runs five peers under jitter, loss and a fixed fault schedule
// and returns everything observable about the run.
func faultyRun(t *testing.T, seed uint64) ([]Event, Stats) {
	t.Helper()
	c, err := NewCluster(Config{
		Nodes: 5,
		Seed:  seed,
		Raft:  raft.DefaultConfig(),
		Network: Network{
			Latency: Normal{Mean: 5 * time.Millisecond, StdDev: 2 * time.Millisecond},
			Loss:    0.05,
		},
		Fsync:  Uniform{Min: time.Millisecond, Max: 3 * time.Millisecond},
		Record: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	c.RunFor(time.Second)
	leader, ok := c.Leader()
	if !ok {
		t.Fatalf("seed %d: no leader after 1s", seed)
	}
	must(t, c.Crash(leader))
	c.RunFor(700 * time.Millisecond)
	must(t, c.Partition([]int{0, 1}, []int{2, 3, 4}))
	c.RunFor(700 * time.Millisecond)
	c.Heal()
	must(t, c.Restart(leader))
	c.RunFor(time.Second)
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	return c.Events(), c.Stats()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSameSeedSameRun(t *testing.T) {
	events1, stats1 := faultyRun(t, 42)
	if len(events1) < 100 {
		t.Fatalf("only %d events recorded; the run is too small to compare", len(events1))
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		events2, stats2 := faultyRun(t, 42)
		if stats1 != stats2 {
			t.Fatalf("GOMAXPROCS=%d: stats differ: %+v vs %+v", procs, stats1, stats2)
		}
		if !reflect.DeepEqual(events1, events2) {
			for i := range min(len(events1), len(events2)) {
				if events1[i] != events2[i] {
					t.Fatalf("GOMAXPROCS=%d: event %d differs:\n%v\n%v", procs, i, events1[i], events2[i])
				}
			}
			t.Fatalf("GOMAXPROCS=%d: %d events vs %d", procs, len(events1), len(events2))
		}
	}
}

func TestDifferentSeedDifferentRun(t *testing.T) {
	events1, _ := faultyRun(t, 42)
	events2, _ := faultyRun(t, 43)
	if reflect.DeepEqual(events1, events2) {
		t.Fatal("seeds 42 and 43 produced identical timelines")
	}
}
