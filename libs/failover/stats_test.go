package failover

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ q, want float64 }{
		{0, 1}, {0.10, 1.9}, {0.25, 3.25}, {0.5, 5.5}, {0.9, 9.1}, {0.99, 9.91}, {1, 10},
	} {
		if got := Quantile(xs, c.q); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Quantile(1..10, %v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := Quantile([]float64{7}, 0.5); got != 7 {
		t.Errorf("Quantile of one value = %v, want 7", got)
	}
	if got := Quantile(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("Quantile of nothing = %v, want NaN", got)
	}
}

func TestSummarize(t *testing.T) {
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = float64(100 - i) // reversed: Summarize must sort a copy
	}
	q := Summarize(xs)
	if q.N != 100 || q.P50 != 50.5 || q.P10 != 10.9 || q.Max != 100 || q.P99 != 99.01 {
		t.Errorf("Summarize(1..100) = %+v", q)
	}
	if xs[0] != 100 {
		t.Error("Summarize modified its input")
	}
	// n=100: ranks 50 ± 9.8 → the 41st and 60th values.
	if q.MedianCI95 != [2]float64{41, 60} {
		t.Errorf("median CI = %v, want [41 60]", q.MedianCI95)
	}
}

func TestReportFill(t *testing.T) {
	m := Measurement{
		Trials: []Trial{
			{TimeToLeader: 1000 * time.Millisecond, Downtime: 1005 * time.Millisecond, Converged: true},
			{TimeToLeader: 1500250 * time.Microsecond, Downtime: 1505500 * time.Microsecond, Converged: true},
			{Converged: false},
		},
		Rates:      map[string]float64{"heartbeat": 40.004},
		RateWindow: 10 * time.Second,
	}
	var r Report
	r.Fill(m)
	if r.Trials != 3 || r.NotConverged != 1 {
		t.Errorf("trials %d, not converged %d; want 3 and 1", r.Trials, r.NotConverged)
	}
	if r.Downtime.P50 != 1255.25 || r.TimeToLeader.Max != 1500.25 {
		t.Errorf("downtime p50 %v, time to leader max %v; want 1255.25 and 1500.25", r.Downtime.P50, r.TimeToLeader.Max)
	}
	if r.Rates["heartbeat"] != 40 || r.RateWindowS != 10 {
		t.Errorf("rates %v over %v s", r.Rates, r.RateWindowS)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("the JSON does not parse: %v", err)
	}
	dt := back["downtime_ms"].(map[string]any)
	if dt["p50"] != 1255.25 || back["not_converged"] != 1.0 {
		t.Errorf("JSON downtime %v, not_converged %v", dt, back["not_converged"])
	}
	samples := back["samples"].(map[string]any)["downtime_ms"].([]any)
	if len(samples) != 2 || samples[1] != 1505.5 {
		t.Errorf("JSON samples %v, want [1005 1505.5]", samples)
	}
	buf.Reset()
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"trials 3 (not converged 1)", "downtime", "1255.2", "heartbeat 40.0"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}
