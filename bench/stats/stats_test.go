package stats

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestSummarizeKnownValues(t *testing.T) {
	// 1..100 shuffled: empirical p50 is 50, p90 is 90, p99 is 99; the 95%
	// median CI for n=100 spans order statistics 40 and 61 (binomial tables).
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = float64((i*37)%100 + 1)
	}
	d := Summarize(xs)
	want := Dist{N: 100, Min: 1, P50: 50, P50Low: 40, P50High: 61, P90: 90, P99: 99, Max: 100, Mean: 50.5}
	if d != want {
		t.Fatalf("Summarize(1..100) = %+v; want %+v", d, want)
	}
	if xs[0] != 1 || xs[1] != 38 {
		t.Fatal("Summarize reordered its input")
	}
}

func TestMedianCIRanks(t *testing.T) {
	// Ranks from the binomial(n, 1/2) tables for a 95% interval.
	for _, c := range []struct{ n, lo, hi int }{{6, 1, 6}, {10, 2, 9}, {20, 6, 15}, {50, 18, 33}, {100, 40, 61}} {
		lo, hi, ok := medianCIRanks(c.n, 0.95)
		if !ok || lo != c.lo || hi != c.hi {
			t.Errorf("n=%d: ranks %d..%d (%v); want %d..%d", c.n, lo, hi, ok, c.lo, c.hi)
		}
	}
	if _, _, ok := medianCIRanks(5, 0.95); ok {
		t.Error("n=5 has no 95% interval, but one was given")
	}
}

func TestSummarizeSmallSamples(t *testing.T) {
	if d := Summarize(nil); d.N != 0 || !math.IsNaN(float64(d.P50)) {
		t.Fatalf("empty sample: %+v", d)
	}
	d := Summarize([]float64{3, 1, 2})
	if d.P50 != 2 || d.Min != 1 || d.Max != 3 || !math.IsNaN(float64(d.P50Low)) {
		t.Fatalf("three samples: %+v", d)
	}
	b, err := json.Marshal(d)
	if err != nil || !bytes.Contains(b, []byte(`"p50_ci_low":null`)) {
		t.Fatalf("missing CI must be null in JSON: %s, %v", b, err)
	}
}

func TestRate(t *testing.T) {
	if r := Rate(3, 1.5); r != 2 {
		t.Errorf("Rate(3, 1.5) = %v; want 2", r)
	}
	// Nothing observed is no rate at all, not a rate of zero.
	if r := Rate(0, 0); !math.IsNaN(float64(r)) || r.Format(1) != "-" {
		t.Errorf("Rate(0, 0) = %v (%q); want missing (-)", r, r.Format(1))
	}
}
