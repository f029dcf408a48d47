package vtime

import (
	"testing"
	"time"
)

// BenchmarkSchedulerEvents measures task switches: 16 tasks sleeping random
// short intervals, one event per iteration.
func BenchmarkSchedulerEvents(b *testing.B) {
	s := New(1)
	for range 16 {
		s.Go(func() {
			for {
				s.Sleep(time.Duration(1 + s.Int64N(1000)))
			}
		})
	}
	b.ResetTimer()
	start := s.Events()
	for s.Events()-start < uint64(b.N) {
		if err := s.RunFor(time.Millisecond); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(s.Events()-start)/b.Elapsed().Seconds(), "events/s")
	s.Stop()
}

// BenchmarkGoAndExit measures starting a short-lived task, which the Raft
// peer does for every RPC.
func BenchmarkGoAndExit(b *testing.B) {
	s := New(1)
	for i := 0; i < b.N; i++ {
		s.Go(func() {})
		if i%1000 == 999 {
			_ = s.RunFor(0)
		}
	}
	_ = s.RunFor(0)
	s.Stop()
}
