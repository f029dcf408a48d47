package vtime

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSleepersWakeInTimeThenSequenceOrder(t *testing.T) {
	s := New(1)
	var got []string
	for _, c := range []struct {
		name  string
		sleep time.Duration
	}{{"c", 30 * time.Millisecond}, {"a", 10 * time.Millisecond}, {"b", 10 * time.Millisecond}, {"d", 0}} {
		s.Go(func() {
			s.Sleep(c.sleep)
			got = append(got, fmt.Sprintf("%s@%v", c.name, s.Now()))
		})
	}
	if err := s.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	want := "d@0s a@10ms b@10ms c@30ms"
	if strings.Join(got, " ") != want {
		t.Fatalf("wake order %q, want %q", strings.Join(got, " "), want)
	}
	if s.Now() != time.Second {
		t.Fatalf("Now after RunFor(1s) = %v", s.Now())
	}
}

func TestRunForStopsAtHorizonAndResumes(t *testing.T) {
	s := New(1)
	ticks := 0
	s.Go(func() {
		for {
			s.Sleep(10 * time.Millisecond)
			ticks++
		}
	})
	if err := s.RunFor(55 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if ticks != 5 {
		t.Fatalf("after 55ms: %d ticks, want 5", ticks)
	}
	if err := s.RunFor(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if ticks != 10 {
		t.Fatalf("after 105ms: %d ticks, want 10", ticks)
	}
	s.Stop()
}

func TestHaltReturnsAtCurrentInstant(t *testing.T) {
	s := New(1)
	s.Go(func() {
		s.Sleep(42 * time.Millisecond)
		s.Halt()
		s.Sleep(time.Millisecond)
	})
	if err := s.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	if s.Now() != 42*time.Millisecond {
		t.Fatalf("halted at %v, want 42ms", s.Now())
	}
	s.Stop()
}

func TestAtRunsCallbackAtExactTime(t *testing.T) {
	s := New(1)
	var at time.Duration
	s.At(17*time.Millisecond, func() { at = s.Now() })
	if err := s.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	if at != 17*time.Millisecond {
		t.Fatalf("callback ran at %v, want 17ms", at)
	}
}

// trace runs a small random workload and returns its event order.
func trace(seed uint64) string {
	s := New(seed)
	var b strings.Builder
	for i := range 8 {
		s.Go(func() {
			for range 50 {
				s.Sleep(time.Duration(s.Int64N(int64(20 * time.Millisecond))))
				fmt.Fprintf(&b, "%d@%d ", i, s.Now())
				if s.Int64N(4) == 0 {
					s.Go(func() { s.Sleep(time.Millisecond); fmt.Fprintf(&b, "child%d@%d ", i, s.Now()) })
				}
			}
		})
	}
	if err := s.RunFor(10 * time.Second); err != nil {
		panic(err)
	}
	s.Stop()
	return b.String()
}

func TestDeterministicAcrossRunsAndGOMAXPROCS(t *testing.T) {
	first := trace(7)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if again := trace(7); again != first {
		t.Fatal("same seed with GOMAXPROCS=1 gave a different event order")
	}
	runtime.GOMAXPROCS(4)
	if again := trace(7); again != first {
		t.Fatal("same seed with GOMAXPROCS=4 gave a different event order")
	}
	if other := trace(8); other == first {
		t.Fatal("a different seed gave the same event order")
	}
}

func TestStopEndsParkedGoroutines(t *testing.T) {
	spare.drain()
	before := runtime.NumGoroutine()
	s := New(1)
	deferred := 0
	for range 100 {
		s.Go(func() {
			defer func() { deferred++ }()
			for {
				s.Sleep(time.Millisecond)
			}
		})
	}
	s.Go(func() {}) // one that never got its first turn is ended too
	if err := s.RunFor(5 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s.Go(func() { t.Error("a task started after the last RunFor must not run") })
	s.Stop()
	if deferred != 100 {
		t.Fatalf("%d deferred calls ran, want 100", deferred)
	}
	if s.Live() != 0 {
		t.Fatalf("Live() = %d after Stop", s.Live())
	}
	checkNoGoroutinesLeft(t, before)
}

func TestMutexHeldAcrossSleepIsReported(t *testing.T) {
	s := New(1)
	s.Watchdog = 100 * time.Millisecond
	var mu sync.Mutex
	s.Go(func() {
		mu.Lock()
		s.Sleep(time.Millisecond) // the bug: parked with the lock held
		mu.Unlock()
	})
	s.Go(func() {
		mu.Lock()
		mu.Unlock()
	})
	err := s.RunFor(time.Second)
	if err == nil {
		t.Fatal("RunFor returned nil; want a stuck-task error")
	}
	if !strings.Contains(err.Error(), "sync.Mutex.Lock") || !strings.Contains(err.Error(), "lock was held across a Sleep") {
		t.Fatalf("error does not name the cause: %v", err)
	}
	if err2 := s.RunFor(time.Second); err2 == nil {
		t.Fatal("a broken scheduler ran again")
	}
	mu.Unlock() // release the stuck task so it does not outlive the test
}

func TestRawChannelIsReported(t *testing.T) {
	s := New(1)
	s.Watchdog = 100 * time.Millisecond
	ch := make(chan int)
	s.Go(func() { <-ch })
	err := s.RunFor(time.Second)
	if err == nil || !strings.Contains(err.Error(), "chan receive") || !strings.Contains(err.Error(), "raw channel") {
		t.Fatalf("want a raw-channel error, got %v", err)
	}
	close(ch) // let the stuck goroutine end
}

func TestTaskPanicSurfacesInDriver(t *testing.T) {
	s := New(1)
	s.Go(func() {
		s.Sleep(time.Millisecond)
		panic("invariant broken")
	})
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "invariant broken") || !strings.Contains(fmt.Sprint(r), "1ms") {
			t.Fatalf("recovered %v; want the task's panic with its virtual time", r)
		}
	}()
	_ = s.RunFor(time.Second)
	t.Fatal("RunFor returned instead of panicking")
}

func TestSleepOutsideTaskPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Sleep from the driver did not panic")
		}
	}()
	New(1).Sleep(time.Millisecond)
}

// TestQueueOrdersByTimeThenSeq checks the queue against a sorted list while
// events are pushed at the current instant (the FIFO) and later (the heap)
// between pops that move time forward, as the scheduler does.
func TestQueueOrdersByTimeThenSeq(t *testing.T) {
	var q eventQueue
	var model []event // kept sorted by (at, seq)
	r := New(3)
	seq := uint64(0)
	now := time.Duration(0)
	push := func() {
		seq++
		e := event{at: now, seq: seq}
		if r.Int64N(3) > 0 {
			e.at += time.Duration(r.Int64N(20))
		}
		q.push(e, now)
		i := sort.Search(len(model), func(i int) bool { return e.before(&model[i]) })
		model = slices.Insert(model, i, e)
	}
	for range 20000 {
		if q.len() != len(model) {
			t.Fatalf("len %d, want %d", q.len(), len(model))
		}
		if len(model) == 0 || r.Int64N(2) == 0 {
			push()
			continue
		}
		if p := q.peek(); p.at != model[0].at || p.seq != model[0].seq {
			t.Fatalf("peek (%v,%d), want (%v,%d)", p.at, p.seq, model[0].at, model[0].seq)
		}
		e := q.pop()
		if e.at != model[0].at || e.seq != model[0].seq {
			t.Fatalf("popped (%v,%d), want (%v,%d)", e.at, e.seq, model[0].at, model[0].seq)
		}
		model = model[1:]
		now = e.at
	}
}

func TestGoexitEndsOnlyItsTask(t *testing.T) {
	s := New(1)
	ticks := 0
	s.Go(func() {
		for {
			s.Sleep(time.Millisecond)
			ticks++
		}
	})
	deferred := false
	s.Go(func() {
		defer func() { deferred = true }()
		s.Sleep(2 * time.Millisecond)
		runtime.Goexit() // what t.FailNow does
	})
	if err := s.RunFor(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !deferred || ticks != 10 || s.Live() != 1 {
		t.Fatalf("deferred %v, ticks %d, live %d; want true, 10, 1", deferred, ticks, s.Live())
	}
	s.Stop()
	if s.Live() != 0 {
		t.Fatalf("Live() = %d after Stop", s.Live())
	}
}

func TestCallbackPanicSurfacesInDriverAndStopStillEnds(t *testing.T) {
	s := New(1)
	deferred := false
	s.Go(func() {
		defer func() { deferred = true }()
		for {
			s.Sleep(time.Millisecond)
		}
	})
	s.At(5*time.Millisecond, func() { panic("fault injector broken") })
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "fault injector broken") {
				t.Fatalf("recovered %v; want the callback's panic", r)
			}
		}()
		_ = s.RunFor(time.Second)
	}()
	s.Stop()
	if !deferred || s.Live() != 0 {
		t.Fatalf("after Stop: deferred %v, live %d", deferred, s.Live())
	}
}

func TestBlockedCallbackIsReported(t *testing.T) {
	s := New(1)
	s.Watchdog = 100 * time.Millisecond
	var mu sync.Mutex
	mu.Lock()
	s.Go(func() {
		for {
			s.Sleep(time.Millisecond)
		}
	})
	s.At(3*time.Millisecond, func() { mu.Lock(); mu.Unlock() })
	err := s.RunFor(time.Second)
	if err == nil || !strings.Contains(err.Error(), "sync.Mutex.Lock") {
		t.Fatalf("want a stuck-callback error naming the mutex, got %v", err)
	}
	mu.Unlock()
}

// TestWorkersAreReused checks that many short tasks, one after another, run
// on a handful of coroutines and leave none behind after Stop.
func TestWorkersAreReused(t *testing.T) {
	spare.drain()
	before := runtime.NumGoroutine()
	s := New(1)
	ran := 0
	s.Go(func() {
		for range 1000 {
			s.Go(func() { s.Sleep(time.Millisecond); ran++ })
			s.Sleep(time.Millisecond)
		}
	})
	if err := s.RunFor(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if ran != 1000 {
		t.Fatalf("%d short tasks ran, want 1000", ran)
	}
	if n := runtime.NumGoroutine() - before; n > 5 {
		t.Fatalf("%d goroutines for 2 concurrent tasks", n)
	}
	s.Stop()
	checkNoGoroutinesLeft(t, before)
}

// TestNewTasksRunInScheduleOrder covers a task that ends with new tasks
// next in line, which run on its worker without a switch.
func TestNewTasksRunInScheduleOrder(t *testing.T) {
	s := New(1)
	var got []string
	log := func(what string) { got = append(got, fmt.Sprintf("%s@%v", what, s.Now())) }
	s.Go(func() {
		log("a")
		s.Go(func() { log("b"); s.Sleep(time.Millisecond); log("b2") })
		s.Go(func() { log("c") })
	})
	s.Go(func() { log("d") })
	if err := s.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	if want := "a@0s d@0s b@0s c@0s b2@1ms"; strings.Join(got, " ") != want {
		t.Fatalf("order %q, want %q", strings.Join(got, " "), want)
	}
	if s.Live() != 0 || s.Events() != 5 {
		t.Fatalf("Live() = %d, Events() = %d; want 0, 5", s.Live(), s.Events())
	}
}

// checkNoGoroutinesLeft fails t if more goroutines run than before, once
// the idle workers kept for the next scheduler (no task's) are gone.
func checkNoGoroutinesLeft(t *testing.T, before int) {
	t.Helper()
	spare.drain()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Stop, %d before", n, before)
	}
}
