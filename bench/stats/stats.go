// Package stats is the statistics of raftbench's results: distributions of
// trial measurements summarized by empirical quantiles, the median's
// distribution-free confidence interval, and pooled rates. It knows nothing
// of trials, settings or file formats; bench formats what it computes, as
// benchstat's formatting sits apart from benchmath.
package stats

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Number is a statistic that may be missing (NaN); it is null in JSON.
type Number float64

func (x Number) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(x))
}

func (x *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = Number(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*x = Number(f)
	return err
}

// Format prints a statistic with the given decimals, or "-" when missing.
func (x Number) Format(decimals int) string {
	if math.IsNaN(float64(x)) {
		return "-"
	}
	return strconv.FormatFloat(float64(x), 'f', decimals, 64)
}

// Dist summarizes a sample. Quantiles are empirical (the smallest sample
// value whose cumulative share reaches p, no interpolation), and the median's
// 95% confidence interval is the distribution-free one from order
// statistics, absent (NaN) below six samples.
type Dist struct {
	N       int    `json:"n"`
	Min     Number `json:"min"`
	P50     Number `json:"p50"`
	P50Low  Number `json:"p50_ci_low"`
	P50High Number `json:"p50_ci_high"`
	P90     Number `json:"p90"`
	P99     Number `json:"p99"`
	Max     Number `json:"max"`
	Mean    Number `json:"mean"`
}

// Summarize computes a Dist of xs (which it does not modify).
func Summarize(xs []float64) Dist {
	nan := Number(math.NaN())
	d := Dist{N: len(xs), Min: nan, P50: nan, P50Low: nan, P50High: nan, P90: nan, P99: nan, Max: nan, Mean: nan}
	if len(xs) == 0 {
		return d
	}
	s := sorted(xs)
	q := func(p float64) Number { return Number(stat.Quantile(p, stat.Empirical, s, nil)) }
	d.Min, d.Max = Number(s[0]), Number(s[len(s)-1])
	d.P50, d.P90, d.P99 = q(0.5), q(0.9), q(0.99)
	d.Mean = Number(stat.Mean(s, nil))
	if lo, hi, ok := medianCIRanks(len(s), 0.95); ok {
		d.P50Low, d.P50High = Number(s[lo-1]), Number(s[hi-1])
	}
	return d
}

// Quantiles returns the empirical quantile of xs (which it does not modify)
// at each level of ps, as Summarize computes them: the smallest sample whose
// cumulative share reaches p, no interpolation. With no samples every
// quantile is NaN.
func Quantiles(xs []float64, ps ...float64) []float64 {
	out := make([]float64, len(ps))
	s := sorted(xs)
	for i, p := range ps {
		out[i] = math.NaN()
		if len(s) > 0 {
			out[i] = stat.Quantile(p, stat.Empirical, s, nil)
		}
	}
	return out
}

func sorted(xs []float64) []float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s
}

// medianCIRanks returns the 1-based ranks (l, n+1-l) of the order
// statistics that bracket the median with at least the given confidence:
// the largest l with P(Binomial(n, 1/2) <= l-1) <= (1-confidence)/2.
func medianCIRanks(n int, confidence float64) (lo, hi int, ok bool) {
	b := distuv.Binomial{N: float64(n), P: 0.5}
	tail := (1 - confidence) / 2
	for k := 1; k <= n/2; k++ {
		if b.CDF(float64(k-1)) <= tail {
			lo = k
		} else {
			break
		}
	}
	if lo == 0 {
		return 0, 0, false
	}
	return lo, n + 1 - lo, true
}

// Rate is n events per unit observed, or missing when nothing was observed.
func Rate(n int, units float64) Number {
	if units <= 0 {
		return Number(math.NaN())
	}
	return Number(float64(n) / units)
}
