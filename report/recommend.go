package report

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/internal/english"
)

// Limits bound what a recommended setting may cost.
type Limits struct {
	// MaxRPCRate is the most RPCs per second (whole cluster, no faults).
	MaxRPCRate float64
	// MaxSpuriousPerHour is the most fault-free elections per hour.
	MaxSpuriousPerHour float64
}

// DefaultLimits allow what a 5-node cluster at etcd's default 100ms
// heartbeat costs (40 RPC/s) with room to spare, and no more than one
// needless election an hour.
func DefaultLimits() Limits { return Limits{MaxRPCRate: 100, MaxSpuriousPerHour: 1} }

// Validate names a limit that cannot work.
func (l Limits) Validate() error {
	if !(l.MaxRPCRate > 0) {
		return &bench.FieldError{Field: "max-rpc-rate", Value: fmt.Sprint(l.MaxRPCRate), Err: errors.New("want a positive number of RPCs per second")}
	}
	if !(l.MaxSpuriousPerHour >= 0) {
		return &bench.FieldError{Field: "max-spurious-per-hour", Value: fmt.Sprint(l.MaxSpuriousPerHour), Err: errors.New("want 0 or more")}
	}
	return nil
}

// Recommendation is the outcome of checking every setting against the
// limits.
type Recommendation struct {
	Best      int      // index of the recommended setting, or -1
	Ranked    []int    // settings within the limits, best first
	Excluded  []string // per setting: why it is out ("" if within the limits)
	Unchecked []int    // within the limits only because a rate was not measured
	// PerVariant, when the sweep ran more than one protocol variant, is
	// the best setting of each (in the order the variants first appear;
	// Best -1: none of its settings is within the limits). A user picks
	// timeouts for the Raft they run, not for the fastest variant.
	PerVariant []VariantChoice
}

// VariantChoice is the recommendation among one variant's settings.
type VariantChoice struct {
	Variant bench.Variant
	Best    int
}

// Recommend picks, among settings whose started trials all converged and
// whose fault-free RPC rate and spurious-election rate are within limits,
// the one with the lowest p99 time to stability (the downtime, in
// leader-crash); ties go to the lower p50, then the lower RPC rate.
//
// Trials that did not start (bench.NotStarted) do not rule a setting out:
// they never injected the fault, so they say nothing about how the setting
// recovers from it. What keeps a leader-crash trial from starting — a
// cluster already electing at the crash — is a spurious election, and the
// spurious-election limit judges that. The report gives their count.
func Recommend(points []bench.PointSummary, l Limits) Recommendation {
	rec := Recommendation{Best: -1, Excluded: make([]string, len(points))}
	for i, p := range points {
		rate, spurious := float64(p.SteadyRPCRate()), float64(p.SpuriousPerHour)
		switch {
		case p.Trials == 0:
			rec.Excluded[i] = "no trials finished"
		case p.NotStarted == p.Trials:
			rec.Excluded[i] = fmt.Sprintf("none of %s started (no quiet cluster with a stable leader to inject the fault into)", english.Count(p.Trials, "trial"))
		case p.NotConverged() > 0:
			rec.Excluded[i] = fmt.Sprintf("%d of %s did not converge", p.NotConverged(), english.Count(p.Trials, "trial"))
		case math.IsNaN(float64(p.StableMs.P99)):
			rec.Excluded[i] = "no time to stability measured"
		case !math.IsNaN(rate) && rate > l.MaxRPCRate:
			rec.Excluded[i] = fmt.Sprintf("%.1f RPC/s is over the %g RPC/s limit", rate, l.MaxRPCRate)
		case !math.IsNaN(spurious) && spurious > l.MaxSpuriousPerHour:
			rec.Excluded[i] = fmt.Sprintf("%.1f spurious elections/h is over the %g/h limit", spurious, l.MaxSpuriousPerHour)
		default:
			rec.Ranked = append(rec.Ranked, i)
			if math.IsNaN(rate) || math.IsNaN(spurious) {
				rec.Unchecked = append(rec.Unchecked, i)
			}
		}
	}
	key := func(i int) [3]float64 {
		p := points[i]
		rate := float64(p.SteadyRPCRate())
		if math.IsNaN(rate) {
			rate = math.Inf(1)
		}
		return [3]float64{float64(p.StableMs.P99), float64(p.StableMs.P50), rate}
	}
	slices.SortStableFunc(rec.Ranked, func(a, b int) int {
		ka, kb := key(a), key(b)
		for k := range ka {
			if ka[k] != kb[k] {
				if ka[k] < kb[k] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	if len(rec.Ranked) > 0 {
		rec.Best = rec.Ranked[0]
	}
	rec.PerVariant = perVariant(points, rec.Ranked)
	return rec
}

// perVariant is the first ranked setting of each variant, or nil for a
// sweep of one variant.
func perVariant(points []bench.PointSummary, ranked []int) []VariantChoice {
	var choices []VariantChoice
	index := map[bench.Variant]int{}
	for _, p := range points {
		v := bench.Variant(p.Setting.Variant.String())
		if _, seen := index[v]; !seen {
			index[v] = len(choices)
			choices = append(choices, VariantChoice{Variant: v, Best: -1})
		}
	}
	if len(choices) < 2 {
		return nil
	}
	for _, i := range ranked {
		c := &choices[index[bench.Variant(points[i].Setting.Variant.String())]]
		if c.Best < 0 {
			c.Best = i
		}
	}
	return choices
}
