package vtime

import (
	"errors"
	"testing"
	"time"
)

// flood starts tasks faster than they end: one every nanosecond, each
// living a millisecond, as peers do whose timer period is far below the
// network's latency.
func flood(s *Scheduler) {
	s.Go(func() {
		for {
			s.Go(func() { s.Sleep(time.Millisecond) })
			s.Sleep(time.Nanosecond)
		}
	})
}

func TestBudgetBoundsLiveTasks(t *testing.T) {
	s := New(1)
	s.Budget = Budget{Tasks: 1000}
	flood(s)
	err := s.RunFor(time.Hour)
	var be *BudgetError
	if !errors.As(err, &be) || be.What != "live tasks" || be.Limit != 1000 {
		t.Fatalf("RunFor: %v; want a BudgetError on 1000 live tasks", err)
	}
	if s.Live() > 1001 || s.Now() > time.Millisecond {
		t.Fatalf("%d live tasks at %v when it failed", s.Live(), s.Now())
	}
	if again := s.RunFor(time.Hour); again != err {
		t.Fatalf("RunFor after the failure: %v; want the same failure", again)
	}
	s.Stop()
	if s.Live() != 0 {
		t.Fatalf("%d tasks alive after Stop", s.Live())
	}
}

func TestBudgetBoundsEvents(t *testing.T) {
	s := New(1)
	s.Budget = Budget{Events: 5000}
	ticks := 0
	s.Go(func() {
		for {
			s.Sleep(0) // a loop that never lets virtual time pass
			ticks++
		}
	})
	err := s.RunFor(time.Second)
	var be *BudgetError
	if !errors.As(err, &be) || be.What != "events" || s.Events() != 5000 {
		t.Fatalf("RunFor: %v after %d events; want a BudgetError at 5000", err, s.Events())
	}
	s.Stop()
}

// Cancel, from another goroutine, stops a run that would otherwise go on
// for a very long time, within a few milliseconds.
func TestCancelStopsARun(t *testing.T) {
	s := New(1)
	s.Go(func() {
		for {
			s.Sleep(time.Millisecond)
		}
	})
	time.AfterFunc(50*time.Millisecond, s.Cancel)
	start := time.Now()
	err := s.RunFor(1 << 62)
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("RunFor: %v; want ErrCancelled", err)
	}
	if wall := time.Since(start); wall > time.Second {
		t.Fatalf("RunFor returned %v after it started, cancelled after 50ms", wall)
	}
	s.Stop()
	if s.Live() != 0 {
		t.Fatalf("%d tasks alive after Stop", s.Live())
	}
}
