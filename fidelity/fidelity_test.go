package fidelity

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/bench"
)

const ms = time.Millisecond

func TestLogCabinTopParses(t *testing.T) {
	ref := LogCabinTop()
	if len(ref.Lines) != 6 {
		t.Fatalf("%d lines; want the six of Figure 16 top", len(ref.Lines))
	}
	// Spot checks against the shared file's text.
	l := ref.Lines[2]
	if l.Label() != "150-155ms" || l.Trials != 1000 || l.Ms[2] != 287 || l.MaxMs != 2143 {
		t.Errorf("third line %+v; want 150-155ms, 1000 trials, p50 287, max 2143", l)
	}
	if z := ref.Lines[0]; z.Randomness() != 0 || z.Trials != 100 || z.Ms[2] != 41109 {
		t.Errorf("first line %+v; want 150-150ms, 100 trials, p50 41109", z)
	}
}

func TestParseLinesRejects(t *testing.T) {
	for _, text := range []string{
		"150-155 1000 1 2 3",                 // too few fields
		"155-150 1000 1 2 3 4 5 6 7 8",       // reversed range
		"150-155 0 1 2 3 4 5 6 7 8",          // no trials
		"150-155 1000 1 2 3 4 x 6 7 8",       // not a number
		"150-155 1000 9 2 3 4 5 6 7 8",       // out of order
		"150:155 1000 1 2 3 4 5 6 7 8",       // no dash
		"150-155 1000 1 2 3 4 5 6 7 8\n150-", // a broken second line
	} {
		if _, err := parseLines(text); err == nil {
			t.Errorf("%q parsed; want an error", text)
		}
	}
}

func TestMatch(t *testing.T) {
	ref := LogCabinTop()
	o := bench.Options{Scenario: bench.LeaderCrash, Eligible: 3}
	s := bench.Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 175 * ms, Nodes: 5}
	if l, ok := ref.Match(s, o); !ok || l.Label() != "150-175ms" {
		t.Fatalf("paper setting matched %v, %v", l.Label(), ok)
	}
	other := []struct {
		name string
		s    bench.Setting
		o    bench.Options
	}{
		{"another interval", bench.Setting{Interval: 50 * ms, TimeoutMin: 150 * ms, TimeoutMax: 175 * ms, Nodes: 5}, o},
		{"three nodes", bench.Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 175 * ms, Nodes: 3}, o},
		{"a range the paper lacks", bench.Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 170 * ms, Nodes: 5}, o},
		{"lossy", bench.Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 175 * ms, Nodes: 5, Loss: 0.01}, o},
		{"all eligible", s, bench.Options{Scenario: bench.LeaderCrash}},
		{"cold start", s, bench.Options{Scenario: bench.ColdStart, Eligible: 3}},
	}
	for _, c := range other {
		if _, ok := ref.Match(c.s, c.o); ok {
			t.Errorf("%s matched a LogCabin line", c.name)
		}
	}
}

func TestCompareAndCheck(t *testing.T) {
	// 100 trials at 1..100 ms: the empirical p10 is 10, p50 50, p90 90.
	var sample []float64
	for i := 100; i >= 1; i-- {
		sample = append(sample, float64(i))
	}
	line := Line{TimeoutMin: 150 * ms, TimeoutMax: 200 * ms, Trials: 1000,
		Ms: []float64{10, 20, 50, 70, 90, 95, 99}, MaxMs: 120}
	r := Compare(line, 4, sample)
	want := []float64{10, 25, 50, 75, 90, 95, 99}
	for i := range want {
		if r.Sim[i] != want[i] {
			t.Errorf("simulated p%v = %v; want %v", Quantiles[i]*100, r.Sim[i], want[i])
		}
	}
	if r.Point != 4 || r.N != 100 || math.Abs(r.Err[1]-0.25) > 1e-12 {
		t.Errorf("row %+v; want point 4, 100 trials, p25 error +25%%", r)
	}
	if ok, _ := r.Check(); !ok {
		t.Errorf("exact p10/p50/p90 failed the check")
	}

	// The median 11% slow fails a wide line's target and passes a narrow one's.
	line.Ms[2] = 45
	if ok, target := Compare(line, 0, sample).Check(); ok || !strings.Contains(target, "10%") {
		t.Errorf("median 11%% off passed the wide target (%s)", target)
	}
	line.TimeoutMax = 151 * ms
	if ok, target := Compare(line, 0, sample).Check(); !ok || !strings.Contains(target, "30%") {
		t.Errorf("median 11%% off failed the narrow target (%s)", target)
	}

	// Trials that never converged sit above every quantile they reach.
	slow := append(sample[:50:50], math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1), math.Inf(1))
	r = Compare(line, 0, slow)
	if !math.IsInf(r.Sim[4], 1) || math.IsInf(r.Sim[2], 1) {
		t.Errorf("with 10 of 60 trials unconverged: p50 %v, p90 %v; want a finite p50 and p90 not converged", r.Sim[2], r.Sim[4])
	}
	if ok, _ := Compare(Line{TimeoutMin: 150 * ms, TimeoutMax: 200 * ms, Ms: line.Ms}, 0, nil).Check(); ok {
		t.Error("no trials passed the check")
	}
}

func TestCompareRunFindsThePaperLines(t *testing.T) {
	ref := LogCabinTop()
	o := bench.Options{Scenario: bench.LeaderCrash, Eligible: 3}
	settings := []bench.Setting{
		{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5},
		{Interval: 100 * ms, TimeoutMin: 200 * ms, TimeoutMax: 400 * ms, Nodes: 5}, // not in the paper
		{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 151 * ms, Nodes: 5},
	}
	results := [][]bench.Result{
		{{Stable: 170 * ms}, {Stable: 172 * ms}},
		{{Stable: 300 * ms}},
		{{Stable: 1200 * ms}, {Stable: bench.NotReached, Outcome: bench.NotConverged}, {Stable: bench.NotReached, Outcome: bench.NotStarted}},
	}
	rows := CompareRun(ref, settings, o, results)
	if len(rows) != 2 || rows[0].Point != 0 || rows[1].Point != 2 {
		t.Fatalf("rows %+v; want settings 0 and 2", rows)
	}
	if rows[1].N != 2 {
		t.Errorf("150-151: %d trials compared; want 2, leaving out the one that never started", rows[1].N)
	}
	if rows[0].Sim[2] != 170 || !math.IsInf(rows[1].Sim[4], 1) {
		t.Errorf("150-300 p50 %v (want 170), 150-151 p90 %v (want not converged)", rows[0].Sim[2], rows[1].Sim[4])
	}
	var b strings.Builder
	if err := WriteTable(&b, ref, rows, "simulated"); err != nil || !strings.Contains(b.String(), "150-151ms") || !strings.Contains(b.String(), "not converged") {
		t.Errorf("table %q (%v)", b.String(), err)
	}
}
