package bench

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

// The fault-free window measures a healthy, whole cluster in every
// scenario: after a leader crash the crashed peer is back, so as many peers
// can time out as in a steady run. On a lossy 3-node cluster that flaps
// often, the pooled spurious-election rate after failovers must then match
// the steady scenario's (each about 1,500 elections: a 10% tolerance is some
// four standard errors of their difference). With the crashed peer left down
// one of the two followers is missing and the rate falls by a quarter.
func TestQuietWindowRateSameAsSteady(t *testing.T) {
	s := Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: 5 * ms}, Loss: 0.2}
	rate := func(sc Scenario) (float64, int) {
		o := DefaultOptions()
		o.Scenario, o.Trials, o.Parallel = sc, 100, 2
		o.Quiet, o.Duration = 20*time.Second, 20*time.Second
		out, err := Sweep(context.Background(), []Setting{s}, o, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := out.Summarize()[0]
		return float64(p.SpuriousPerHour), p.QuietElections
	}
	steady, n1 := rate(Steady)
	crash, n2 := rate(LeaderCrash)
	if n1 < 1000 || n2 < 1000 {
		t.Fatalf("only %d and %d spurious elections; the setting no longer flaps enough to compare", n1, n2)
	}
	t.Logf("spurious elections per hour: %.0f after a leader crash (%d), %.0f in steady runs (%d)", crash, n2, steady, n1)
	if ratio := crash / steady; math.Abs(ratio-1) > 0.1 {
		t.Fatalf("spurious elections per hour: %.0f after a leader crash, %.0f in steady runs (ratio %.2f); want the same within 10%%", crash, steady, ratio)
	}
}

// A heartbeat round every 75 ms to 4 followers costs 4/0.075 s = 53.33
// RPCs per second, whatever the window's length and phase: the steady rate
// must not depend on how many rounds happen to fall into a 2 s window.
func TestSteadyRPCRateHasNoWindowEdgeBias(t *testing.T) {
	want := 4 / 0.075
	for _, sc := range []Scenario{LeaderCrash, ColdStart, Partition, Steady} {
		for _, lat := range []sim.Latency{sim.Constant{D: 5 * ms}, sim.Uniform{Min: 2 * ms, Max: 8 * ms}} {
			s := Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: lat}
			o := DefaultOptions()
			o.Scenario, o.Trials, o.Parallel, o.Duration = sc, 20, 2, 2*time.Second
			out, err := Sweep(context.Background(), []Setting{s}, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := out.Summarize()[0]
			if got := float64(p.SteadyRPCRate()); math.Abs(got/want-1) > 0.005 {
				t.Errorf("%s, latency %v: steady rate %.2f RPC/s; want %.2f within 0.5%%", sc, lat, got, want)
			}
		}
	}
}
