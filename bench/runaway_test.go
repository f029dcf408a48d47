package bench

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

// A trial whose setting escaped validation (RunTrial takes any setting)
// and floods the scheduler ends as a failure of that trial, quickly and in
// bounded memory, not as an exhausted machine.
func TestRunawayTrialEndsWithinItsBudget(t *testing.T) {
	tr := Trial{
		Setting: Setting{Interval: time.Microsecond, TimeoutMin: 2 * time.Microsecond, TimeoutMax: 4 * time.Microsecond,
			Nodes: 5, Latency: sim.Constant{D: 5 * ms}},
		Options: Options{Scenario: LeaderCrash, Trials: 1, Parallel: 1, Limit: time.Second, Quiet: time.Second, Duration: time.Minute},
		Seed:    3,
	}
	start := time.Now()
	r, _, err := RunTrial(tr)
	if err != nil {
		t.Fatalf("a runaway trial is a failed trial, not a broken run: %v", err)
	}
	if r.Outcome == Converged || !strings.Contains(r.Failure, "budget") {
		t.Fatalf("outcome %v, failure %q; want a trial that failed on its budget", r.Outcome, r.Failure)
	}
	if wall := time.Since(start); wall > 10*time.Second {
		t.Fatalf("the runaway trial took %v of wall time", wall)
	}
}

// Cancelling a sweep stops it within a second even in the middle of a
// trial that would run for hours, and keeps the trials that finished.
func TestCancelStopsALongTrial(t *testing.T) {
	quick := Setting{Interval: 100 * ms, TimeoutMin: 200 * ms, TimeoutMax: 400 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}, Trials: 3}
	// Timeouts shorter than a round trip: no leader is ever elected, so each
	// wait lasts the whole (huge) limit.
	endless := Setting{Interval: 2 * ms, TimeoutMin: 3 * ms, TimeoutMax: 6 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}, Trials: 3}
	o := DefaultOptions()
	o.Parallel, o.Limit = 1, 1000*time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	type ret struct {
		out *Outcome
		err error
	}
	done := make(chan ret, 1)
	go func() {
		out, err := Sweep(ctx, []Setting{quick, endless}, o, func(done, total int) {
			if done == 3 {
				// The endless trial starts next; give it time to get going.
				time.AfterFunc(300*time.Millisecond, func() { cancelled = time.Now(); cancel() })
			}
		})
		done <- ret{out, err}
	}()
	select {
	case r := <-done:
		if wait := time.Since(cancelled); wait > time.Second {
			t.Fatalf("Sweep returned %v after the cancel", wait)
		}
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !r.out.Interrupted || len(r.out.Results[0]) != 3 || len(r.out.Results[1]) != 0 {
			t.Fatalf("interrupted %v, finished %d and %d trials; want the 3 quick ones kept", r.out.Interrupted, len(r.out.Results[0]), len(r.out.Results[1]))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Sweep still running 5s after it started (cancelled after 300ms of the endless trial)")
	}
}

// An interrupted sweep holds memory for the trials it ran, not for the
// trials it was asked for.
func TestSweepMemoryGrowsWithTrialsDone(t *testing.T) {
	settings := []Setting{{Interval: 100 * ms, TimeoutMin: 200 * ms, TimeoutMax: 400 * ms, Nodes: 3, Latency: sim.Constant{D: 5 * ms}}}
	o := DefaultOptions()
	o.Trials, o.Parallel, o.Quiet = 1_000_000, 1, 0
	var before, during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, err := Sweep(ctx, settings, o, func(done, total int) {
		if done == 20 {
			runtime.GC()
			runtime.ReadMemStats(&during)
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted || out.Done() < 20 {
		t.Fatalf("interrupted %v with %d done", out.Interrupted, out.Done())
	}
	// A Result is a few hundred bytes: a million of them would be hundreds
	// of MB, twenty of them are nothing.
	if grew := int64(during.HeapAlloc) - int64(before.HeapAlloc); grew > 8<<20 {
		t.Fatalf("heap grew by %.1f MB for 20 finished trials of 1,000,000 requested", float64(grew)/(1<<20))
	}
}

// A trial out of budget is its own failure, but never hides a safety
// violation that came with it.
func TestBudgetStopNeverHidesAViolation(t *testing.T) {
	budget := &sim.BudgetError{}
	if budgetStop(budget) != budget || budgetStop(errors.Join(budget)) != budget {
		t.Error("a budget stop alone is not the trial's failure")
	}
	if budgetStop(errors.Join(&sim.SafetyError{}, budget)) != nil {
		t.Error("a safety violation joined with a budget stop was taken for the budget stop")
	}
	if budgetStop(nil) != nil || budgetStop(&sim.SafetyError{}) != nil {
		t.Error("a budget stop found where there is none")
	}
}
