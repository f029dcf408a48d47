package fidelity

import (
	"math"
	"testing"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/sim"
)

func TestMeasuredRunBecomesAReference(t *testing.T) {
	ms := time.Millisecond
	settings := []bench.Setting{
		{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 5},
		{Interval: 100 * ms, TimeoutMin: 200 * ms, TimeoutMax: 400 * ms, Nodes: 5},
	}
	o := bench.Options{Scenario: bench.LeaderCrash, Runtime: sim.Process}
	// Setting 0: downtimes 1..100ms; one trial not started (left out), one
	// not converged (slower than all).
	var first []bench.Result
	for k := 1; k <= 99; k++ {
		first = append(first, bench.Result{Outcome: bench.Converged, Stable: time.Duration(k) * ms})
	}
	first = append(first, bench.Result{Outcome: bench.NotStarted, Stable: bench.NotReached},
		bench.Result{Outcome: bench.NotConverged, Stable: bench.NotReached})
	second := []bench.Result{{Outcome: bench.Converged, Stable: 300 * ms}}
	ref, err := Measured("processes", settings, o, [][]bench.Result{first, second})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Nodes != 5 || len(ref.Lines) != 2 || ref.Lines[0].Trials != 100 {
		t.Fatalf("reference %+v; want 5 nodes, 2 lines, 100 trials in the first", ref)
	}
	l := ref.Lines[0]
	if l.Interval != 50*ms || !math.IsInf(l.MaxMs, 1) {
		t.Errorf("line 0: interval %v, max %v; want 50ms and +Inf (a trial that never converged)", l.Interval, l.MaxMs)
	}
	if p50 := l.Ms[2]; p50 < 49 || p50 > 51 {
		t.Errorf("line 0: p50 %v ms of 1..99 and one slower; want about 50", p50)
	}
	// A simulated setting matches by interval as well as timeouts.
	if _, ok := ref.Match(settings[1], bench.Options{Scenario: bench.LeaderCrash}); !ok {
		t.Errorf("setting 1 does not match its own line")
	}
	other := settings[1]
	other.Interval = 75 * ms
	if _, ok := ref.Match(other, bench.Options{Scenario: bench.LeaderCrash}); ok {
		t.Errorf("a 75ms setting matched a 100ms line")
	}
	if _, err := Measured("x", settings, bench.Options{Scenario: bench.ColdStart}, nil); err == nil {
		t.Errorf("a cold-start run made a reference")
	}
}
