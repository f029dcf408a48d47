package vtime

import (
	"fmt"
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

// BenchmarkQueue measures one push and one pop on a queue holding n
// events, as in a run of 5 peers (20-70 pending events).
func BenchmarkQueue(b *testing.B) {
	for _, n := range []int{20, 70} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var q eventQueue
			r := New(1)
			seq := uint64(0)
			now := time.Duration(0)
			for range n {
				seq++
				q.push(event{at: now + time.Duration(1+r.Int64N(int64(10*time.Millisecond))), seq: seq}, now)
			}
			for b.Loop() {
				e := q.pop()
				now = e.at
				seq++
				q.push(event{at: now + time.Duration(1+r.Int64N(int64(10*time.Millisecond))), seq: seq}, now)
			}
		})
	}
}

// BenchmarkRunFor measures a RunFor that runs one event: the hand-off to
// the engine goroutine and back, which a trial pays for each phase.
func BenchmarkRunFor(b *testing.B) {
	s := New(1)
	s.Go(func() {
		for {
			s.Sleep(time.Millisecond)
		}
	})
	for b.Loop() {
		if err := s.RunFor(time.Millisecond); err != nil {
			b.Fatal(err)
		}
	}
	s.Stop()
}
