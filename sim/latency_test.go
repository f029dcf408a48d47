package sim

import (
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestParseLatency(t *testing.T) {
	ms := time.Millisecond
	good := []struct {
		in   string
		want Latency
	}{
		{"5ms", Constant{5 * ms}},
		{"0", Constant{0}},
		{"constant:250us", Constant{250 * time.Microsecond}},
		{"uniform:2ms..8ms", Uniform{2 * ms, 8 * ms}},
		{" uniform: 2ms .. 8ms ", Uniform{2 * ms, 8 * ms}},
		{"normal:5ms,1ms", Normal{5 * ms, ms}},
		{"lognormal:5ms,0.5", LogNormal{5 * ms, 0.5}},
		{"exponential:5ms", Exponential{0, 5 * ms}},
		{"exp:1ms+5ms", Exponential{ms, 5 * ms}},
	}
	for _, tc := range good {
		got, err := ParseLatency(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseLatency(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	bad := []struct{ in, want string }{
		{"", "want a duration"},
		{"fast", "want a duration"},
		{"-5ms", "negative"},
		{"uniform:8ms..2ms", "min <= max"},
		{"uniform:2ms-8ms", "uniform:MIN..MAX"},
		{"normal:5ms", "normal:MEAN,STDDEV"},
		{"normal:5ms,-1ms", "want both >= 0"},
		{"lognormal:5ms,abc", "lognormal:MEDIAN,SIGMA"},
		{"lognormal:0s,1", "median > 0"},
		{"pareto:1ms", "unknown model \"pareto\""},
		{"exponential:x", "exponential:MEAN"},
	}
	for _, tc := range bad {
		_, err := ParseLatency(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseLatency(%q) error %v; want one containing %q", tc.in, err, tc.want)
		}
	}
}

// Each model's samples must have the shape its parameters promise.
func TestLatencyModelsSample(t *testing.T) {
	ms := float64(time.Millisecond)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	median := func(m Latency) (float64, float64, float64) {
		xs := make([]float64, n)
		sum := 0.0
		for i := range xs {
			d := m.Sample(r)
			if d < 0 {
				t.Fatalf("%v sampled negative %v", m, d)
			}
			xs[i] = float64(d)
			sum += xs[i]
		}
		sort.Float64s(xs)
		return xs[n/2], sum / n, xs[0]
	}
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.3fms; want %.3fms ± %.3fms", name, got/ms, want/ms, tol/ms)
		}
	}
	for _, m := range []Latency{Constant{3 * time.Millisecond}, Uniform{2 * time.Millisecond, 8 * time.Millisecond},
		Normal{5 * time.Millisecond, 3 * time.Millisecond}, Normal{0, time.Millisecond}, LogNormal{5 * time.Millisecond, 0.5},
		Exponential{time.Millisecond, 5 * time.Millisecond}} {
		_, mean, _ := median(m)
		near(m.String()+" MeanDelay", float64(m.MeanDelay()), mean, 0.02*mean+0.01*ms)
	}
	_, mean, lo := median(Uniform{2 * time.Millisecond, 8 * time.Millisecond})
	near("uniform mean", mean, 5*ms, 0.1*ms)
	near("uniform min", lo, 2*ms, 0.05*ms)
	_, mean, _ = median(Normal{5 * time.Millisecond, time.Millisecond})
	near("normal mean", mean, 5*ms, 0.05*ms)
	_, mean, lo = median(Normal{0, time.Millisecond}) // half-normal after truncation
	near("truncated normal mean", mean, math.Sqrt(2/math.Pi)*ms, 0.03*ms)
	near("truncated normal min", lo, 0, 0.01*ms)
	med, _, _ := median(LogNormal{5 * time.Millisecond, 0.5})
	near("lognormal median", med, 5*ms, 0.1*ms)
	_, mean, lo = median(Exponential{time.Millisecond, 5 * time.Millisecond})
	near("exponential mean", mean, 6*ms, 0.15*ms)
	near("exponential min", lo, ms, 0.01*ms)
}
