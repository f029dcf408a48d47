package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

func TestShardCountsAndMembers(t *testing.T) {
	for _, c := range []struct {
		s           Shard
		total, want int
	}{
		{Shard{}, 10, 10}, {Shard{0, 3}, 10, 4}, {Shard{1, 3}, 10, 3}, {Shard{2, 3}, 10, 3},
		{Shard{9, 16}, 10, 1}, {Shard{10, 16}, 10, 0}, {Shard{15, 16}, 10, 0}, {Shard{0, 1}, 0, 0},
	} {
		n := 0
		for j := range c.total {
			if c.s.Has(j) {
				n++
			}
		}
		if got := c.s.Count(c.total); got != c.want || n != c.want {
			t.Errorf("%v of %d: Count %d, members %d; want %d", c.s, c.total, got, n, c.want)
		}
	}
}

func TestMergeRefusesAnIncompleteShard(t *testing.T) {
	settings := []Setting{{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: ms}}}
	run := func(k int) ShardRun {
		o := Options{Scenario: LeaderCrash, Trials: 6, Seed: 3, Parallel: 1, Limit: 10 * time.Second, Duration: time.Second, Shard: Shard{k, 2}}
		out, err := Sweep(context.Background(), settings, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ShardRun{Dir: "s" + string(rune('0'+k)), Summary: &Summary{Options: o, Settings: settings}, Outcome: out}
	}
	a, b := run(0), run(1)
	if got := len(a.Outcome.Results[0]); got != 3 {
		t.Fatalf("shard 0/2 of 6 trials ran %d; want 3", got)
	}
	merged, err := MergeShards([]ShardRun{b, a})
	if err != nil || merged.Done() != 6 || merged.Results[0][5].Trial != 5 {
		t.Fatalf("merge: %v, %d trials", err, merged.Done())
	}
	// A shard that lost a trial (a file cut short) is refused.
	b.Outcome.Results[0] = b.Outcome.Results[0][:2]
	if _, err := MergeShards([]ShardRun{a, b}); err == nil || !strings.Contains(err.Error(), "holds 2 trials; the shard has 3") {
		t.Errorf("an incomplete shard: %v", err)
	}
	// A trial in the wrong shard is refused.
	b.Outcome.Results[0] = append(b.Outcome.Results[0], a.Outcome.Results[0][0])
	if _, err := MergeShards([]ShardRun{a, b}); err == nil || !strings.Contains(err.Error(), "which is not its") {
		t.Errorf("a trial of shard 0 in shard 1: %v", err)
	}
	b.Summary.Interrupted = true
	if _, err := MergeShards([]ShardRun{a, b}); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("an interrupted shard: %v", err)
	}
}
