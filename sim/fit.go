package sim

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// Fit is a parametric latency model fitted to measured samples, and how
// far the delays it draws are from them.
type Fit struct {
	Model Latency
	// Distance is the Kolmogorov-Smirnov distance between the model's
	// draws and the samples: the largest gap between their cumulative
	// shares at any delay, 0 (the same distribution) to 1 (disjoint).
	Distance float64
	// P50, P90 and P99 are the model's quantiles, from its draws, to set
	// beside the samples' own.
	P50, P90, P99 time.Duration
}

// fitDraws is how many delays a fitted model draws to be compared with the
// samples: enough that the draws' own error (about 1/sqrt(fitDraws), under
// 0.01) is below the differences worth reporting.
const fitDraws = 20000

// FitModels fits the parametric models the simulator takes to samples (all
// of them 0 or more, at least one) and returns them closest first: the
// normal of the samples' mean and standard deviation, the lognormal of
// their logarithms' mean and standard deviation (its maximum-likelihood
// fit; not offered when a sample is zero) and the exponential tail above
// the smallest sample (also maximum likelihood). Parameters are rounded to
// three significant figures, which is what the samples support and what a
// person pastes, and each model is judged as rounded. seed makes the
// judgement repeatable.
func FitModels(samples []time.Duration, seed uint64) []Fit {
	var models []Latency
	mean, sd := meanSD(samples, func(d time.Duration) float64 { return float64(d) })
	models = append(models, Normal{Mean: round3(mean), StdDev: round3(sd)})
	if slices.Min(samples) > 0 {
		mu, sigma := meanSD(samples, func(d time.Duration) float64 { return math.Log(float64(d)) })
		models = append(models, LogNormal{Median: round3(math.Exp(mu)), Sigma: roundSig(sigma, 2)})
	}
	lo := slices.Min(samples)
	models = append(models, Exponential{Min: round3(float64(lo)), Mean: round3(mean - float64(lo))})

	sorted := slices.Sorted(slices.Values(samples))
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	fits := make([]Fit, len(models))
	for i, m := range models {
		d := draw(m, fitDraws, r)
		fits[i] = Fit{Model: m, Distance: ksDistance(sorted, d),
			P50: quantileSorted(d, 0.5), P90: quantileSorted(d, 0.9), P99: quantileSorted(d, 0.99)}
	}
	slices.SortStableFunc(fits, func(a, b Fit) int { return cmp.Compare(a.Distance, b.Distance) })
	return fits
}

func meanSD(samples []time.Duration, f func(time.Duration) float64) (mean, sd float64) {
	for _, d := range samples {
		mean += f(d)
	}
	mean /= float64(len(samples))
	if len(samples) < 2 {
		return mean, 0
	}
	var ss float64
	for _, d := range samples {
		ss += (f(d) - mean) * (f(d) - mean)
	}
	return mean, math.Sqrt(ss / float64(len(samples)-1))
}

// draw returns n sorted delays drawn from m.
func draw(m Latency, n int, r *rand.Rand) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = m.Sample(r)
	}
	slices.Sort(out)
	return out
}

// quantileSorted is the smallest of sorted whose cumulative share reaches
// p, as raftbench's statistics take quantiles (bench/stats).
func quantileSorted(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// ksDistance is the two-sample Kolmogorov-Smirnov statistic of two sorted
// samples: the largest difference of their empirical cumulative shares,
// read after every value (ties in both advance together).
func ksDistance(a, b []time.Duration) float64 {
	var i, j int
	var d float64
	for i < len(a) && j < len(b) {
		x := min(a[i], b[j])
		for i < len(a) && a[i] == x {
			i++
		}
		for j < len(b) && b[j] == x {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

// round3 rounds a duration in nanoseconds to three significant figures.
func round3(ns float64) time.Duration { return time.Duration(roundSig(ns, 3)) }

func roundSig(x float64, digits int) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', digits, 64), 64)
	return f
}
