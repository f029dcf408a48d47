package sim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// Samples drawn from a known model are fitted back to that model, which
// comes first, with about the parameters it was drawn with.
func TestFitModelsRecoversTheModelSampled(t *testing.T) {
	ms := time.Millisecond
	within := func(got, want time.Duration, tol float64) bool {
		return math.Abs(float64(got-want)) <= tol*float64(want)
	}
	cases := []struct {
		from  Latency
		check func(Latency) bool
	}{
		{LogNormal{Median: 5 * ms, Sigma: 0.5}, func(m Latency) bool {
			l, ok := m.(LogNormal)
			return ok && within(l.Median, 5*ms, 0.03) && math.Abs(l.Sigma-0.5) <= 0.02
		}},
		{Normal{Mean: 10 * ms, StdDev: ms}, func(m Latency) bool {
			n, ok := m.(Normal)
			return ok && within(n.Mean, 10*ms, 0.01) && within(n.StdDev, ms, 0.05)
		}},
		{Exponential{Min: ms, Mean: 3 * ms}, func(m Latency) bool {
			e, ok := m.(Exponential)
			return ok && within(e.Min, ms, 0.01) && within(e.Mean, 3*ms, 0.05)
		}},
	}
	for _, tc := range cases {
		r := rand.New(rand.NewPCG(11, 12))
		samples := make([]time.Duration, 4000)
		for i := range samples {
			samples[i] = tc.from.Sample(r)
		}
		fits := FitModels(samples, 1)
		if len(fits) != 3 {
			t.Fatalf("%v: %d fits; want normal, lognormal and exponential", tc.from, len(fits))
		}
		if !tc.check(fits[0].Model) || fits[0].Distance > 0.03 {
			t.Errorf("samples of %v: closest fit %v at distance %.3f", tc.from, fits[0].Model, fits[0].Distance)
		}
		for _, f := range fits[1:] {
			if f.Distance < fits[0].Distance {
				t.Errorf("samples of %v: fits not closest first: %v", tc.from, fits)
			}
		}
		// What is printed is what parses.
		for _, f := range fits {
			if _, err := ParseLatency(f.Model.String()); err != nil {
				t.Errorf("fit %v does not parse back: %v", f.Model, err)
			}
		}
	}
	// A zero sample has no logarithm: no lognormal then.
	for _, f := range FitModels([]time.Duration{0, ms, 2 * ms}, 1) {
		if _, ok := f.Model.(LogNormal); ok {
			t.Errorf("lognormal fitted to a zero sample: %v", f.Model)
		}
	}
}

func TestKSDistance(t *testing.T) {
	d := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x)
		}
		return out
	}
	for _, tc := range []struct {
		a, b []time.Duration
		want float64
	}{
		{d(1, 2, 3), d(1, 2, 3), 0},
		{d(1, 2), d(3, 4), 1},
		{d(1, 2, 3, 4), d(3, 4, 5, 6), 0.5},
		{d(1, 1, 1, 2), d(1, 2, 2, 2), 0.5}, // ties advance together
		{d(5), d(1, 5, 9), 1.0 / 3},
	} {
		if got := ksDistance(tc.a, tc.b); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("ksDistance(%v, %v) = %v; want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestRoundSig(t *testing.T) {
	for _, tc := range []struct {
		x      float64
		digits int
		want   float64
	}{{123456, 3, 123000}, {0.0012345, 3, 0.00123}, {99950, 3, 100000}, {0.456, 2, 0.46}, {0, 3, 0}} {
		if got := roundSig(tc.x, tc.digits); got != tc.want {
			t.Errorf("roundSig(%v, %d) = %v; want %v", tc.x, tc.digits, got, tc.want)
		}
	}
}

func TestFitQuantilesAreTheModelsOwn(t *testing.T) {
	// A constant-looking sample: every model's quantiles sit on it.
	samples := []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
	for _, f := range FitModels(samples, 1) {
		if f.P50 != time.Millisecond || f.P99 != time.Millisecond || f.Distance != 0 {
			t.Errorf("%v: p50 %v, p99 %v, distance %v; want 1ms, 1ms, 0", f.Model, f.P50, f.P99, f.Distance)
		}
	}
	// Uniform 5..15ms: the quantiles of the normal fitted to it are near
	// the normal's, mean + 0, 1.28 and 2.33 standard deviations (its
	// truncation at zero, 3.5 deviations below, moves them by nothing
	// measurable).
	var u []time.Duration
	for i := range 1001 {
		u = append(u, 5*time.Millisecond+time.Duration(i)*10*time.Microsecond)
	}
	for _, f := range FitModels(u, 1) {
		n, ok := f.Model.(Normal)
		if !ok {
			continue
		}
		mean, sd := float64(n.Mean), float64(n.StdDev)
		for _, q := range []struct {
			got time.Duration
			z   float64
		}{{f.P50, 0}, {f.P90, 1.2816}, {f.P99, 2.3263}} {
			if want := mean + q.z*sd; math.Abs(float64(q.got)-want) > 0.05*sd {
				t.Errorf("%v: quantile %v; want %v", n, q.got, time.Duration(want))
			}
		}
	}
}
