package failover

import (
	"math"
	"sort"
)

// Quantiles summarises a sample in milliseconds.
type Quantiles struct {
	N   int     `json:"n"`
	P10 float64 `json:"p10"`
	P25 float64 `json:"p25"`
	P50 float64 `json:"p50"`
	P75 float64 `json:"p75"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
	// MedianCI95 is a distribution-free 95% confidence interval of the
	// median (order statistics around n/2), so a reader sees how far the
	// median can be trusted, as benchstat reports it.
	MedianCI95 [2]float64 `json:"median_ci95"`
}

// Quantile is the q-quantile of sorted xs by linear interpolation between
// order statistics (R's type 7, the common default).
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := q * float64(n-1)
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// Summarize computes the quantiles of xs (milliseconds), which it does not modify.
func Summarize(xs []float64) Quantiles {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		nan := math.NaN()
		return Quantiles{P10: nan, P25: nan, P50: nan, P75: nan, P90: nan, P99: nan, Max: nan, MedianCI95: [2]float64{nan, nan}}
	}
	half := 1.96 * math.Sqrt(float64(n)) / 2
	lo := int(math.Floor(float64(n)/2 - half))
	hi := int(math.Ceil(float64(n)/2+half)) - 1
	lo = max(lo, 0)
	hi = min(hi, n-1)
	return Quantiles{
		N:   n,
		P10: Quantile(s, 0.10), P25: Quantile(s, 0.25), P50: Quantile(s, 0.50),
		P75: Quantile(s, 0.75), P90: Quantile(s, 0.90), P99: Quantile(s, 0.99),
		Max:        s[n-1],
		MedianCI95: [2]float64{s[lo], s[hi]},
	}
}
