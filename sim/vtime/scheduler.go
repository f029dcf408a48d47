package vtime

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// DefaultWatchdog is how long the driver waits, in wall-clock time, for any
// event to run before it declares a task blocked outside the scheduler.
const DefaultWatchdog = 5 * time.Second

// Scheduler runs tasks in virtual time. Its methods other than RunFor, At,
// Go and Stop may only be called from a running task (or a callback); RunFor
// and Stop only from the driver, while no task runs.
type Scheduler struct {
	now     time.Duration
	limit   time.Duration
	seq     uint64
	queue   eventQueue
	current *task
	rng     *rand.Rand
	live    int

	driver   chan struct{}
	halted   bool
	stopping bool
	failure  error
	panicked *taskPanic

	// Watchdog bounds how long RunFor waits without any event running
	// before failing the run; zero means DefaultWatchdog.
	Watchdog time.Duration

	events atomic.Uint64 // events dispatched, read by the watchdog
	broken atomic.Bool   // a task is stuck outside the scheduler
}

type task struct {
	wake   chan struct{}
	killed bool
}

type taskPanic struct {
	value any
	stack []byte
}

// New returns a scheduler at virtual time zero whose randomness comes from
// seed.
func New(seed uint64) *Scheduler {
	return &Scheduler{
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		driver: make(chan struct{}),
	}
}

// Now is the current virtual time.
func (s *Scheduler) Now() time.Duration { return s.now }

// Int64N returns a uniform random number in [0, n) from the seeded source.
func (s *Scheduler) Int64N(n int64) int64 { return s.rng.Int64N(n) }

// Rand exposes the seeded source to simulation code that runs inside tasks
// or callbacks (latency and loss draws).
func (s *Scheduler) Rand() *rand.Rand { return s.rng }

// Events is the number of events (task resumptions and callbacks) run so far.
func (s *Scheduler) Events() uint64 { return s.events.Load() }

// Live is the number of tasks that have started and not yet ended.
func (s *Scheduler) Live() int { return s.live }

// Go starts f as a new task, runnable at the current virtual time after
// everything already scheduled for this instant.
func (s *Scheduler) Go(f func()) {
	if s.broken.Load() {
		return // the run is over; nothing new may start
	}
	t := &task{wake: make(chan struct{})}
	s.live++
	s.push(event{at: s.now, t: t})
	go s.trampoline(t, f)
}

// At runs fn at virtual time at (or now, if at is in the past), inline in the
// scheduler: fn must not Sleep or block. Scenarios use it to inject faults at
// exact instants.
func (s *Scheduler) At(at time.Duration, fn func()) {
	if at < s.now {
		at = s.now
	}
	s.push(event{at: at, fn: fn})
}

// Sleep parks the calling task for d of virtual time. A non-positive d
// yields to everything already scheduled for the current instant.
func (s *Scheduler) Sleep(d time.Duration) {
	t := s.current
	if t == nil {
		panic("vtime: Sleep called outside a simulated goroutine (use Go to start one)")
	}
	if d < 0 {
		d = 0
	}
	s.push(event{at: s.now + d, t: t})
	s.park(t)
}

// Halt makes the current RunFor return once the running task parks, at the
// current virtual time. Callbacks and tasks use it when a run has reached
// what it was waiting for.
func (s *Scheduler) Halt() { s.halted = true }

// RunFor runs events up to virtual time Now()+d (or until Halt), then
// returns. It returns an error if a task got stuck outside the scheduler, and
// re-panics, in the caller's goroutine, if a task panicked.
func (s *Scheduler) RunFor(d time.Duration) error {
	if s.failure != nil {
		return s.failure
	}
	s.halted = false
	s.limit = s.now + max(d, 0)
	if next := s.dispatch(); next != nil {
		s.current = next
		next.wake <- struct{}{}
		s.waitForTasks()
		if s.broken.Load() {
			// The stuck task may still touch the scheduler; leave its state alone.
			return s.failure
		}
	}
	s.current = nil
	if s.panicked != nil {
		p := s.panicked
		panic(fmt.Sprintf("vtime: a simulated goroutine panicked at virtual time %v: %v\n%s", s.now, p.value, p.stack))
	}
	if s.failure != nil {
		return s.failure
	}
	if !s.halted {
		s.now = s.limit
	}
	return nil
}

// Stop ends every parked task (their deferred calls run) and drops pending
// callbacks. A scheduler whose run failed with a stuck task cannot reclaim
// that task's goroutine; Stop leaves it and the parked ones alone.
func (s *Scheduler) Stop() {
	if s.broken.Load() {
		return
	}
	s.stopping = true
	for len(s.queue) > 0 {
		ev := s.queue.pop()
		if ev.t == nil {
			continue
		}
		ev.t.killed = true
		ev.t.wake <- struct{}{}
		<-s.driver
	}
}

func (s *Scheduler) push(e event) {
	s.seq++
	e.seq = s.seq
	s.queue.push(e)
}

// dispatch runs due callbacks and returns the next task to resume, or nil
// when control must go back to the driver.
func (s *Scheduler) dispatch() *task {
	for len(s.queue) > 0 && !s.halted && s.failure == nil && s.panicked == nil {
		if s.queue[0].at > s.limit {
			break
		}
		ev := s.queue.pop()
		s.now = ev.at
		s.events.Add(1)
		if ev.fn != nil {
			ev.fn()
			continue
		}
		return ev.t
	}
	return nil
}

// handOff gives control to next, or to the driver when next is nil.
func (s *Scheduler) handOff(next *task) {
	s.current = next
	if next == nil {
		s.driver <- struct{}{}
		return
	}
	next.wake <- struct{}{}
}

// park blocks t until the scheduler resumes it.
func (s *Scheduler) park(t *task) {
	if s.stopping || s.broken.Load() {
		runtime.Goexit()
	}
	next := s.dispatch()
	if next == t {
		return // our own wake-up came first: no switch needed
	}
	s.handOff(next)
	<-t.wake
	if t.killed || s.broken.Load() {
		runtime.Goexit()
	}
}

func (s *Scheduler) trampoline(t *task, f func()) {
	<-t.wake
	if t.killed {
		s.live--
		s.driver <- struct{}{}
		return
	}
	defer s.finish()
	f()
}

// finish runs when a task ends, normally, by Goexit or by panic.
func (s *Scheduler) finish() {
	r := recover() // nil for a normal return and for Goexit
	if s.broken.Load() {
		return
	}
	s.live--
	if r != nil && s.panicked == nil {
		s.panicked = &taskPanic{value: r, stack: debug.Stack()}
	}
	if s.stopping {
		s.driver <- struct{}{}
		return
	}
	s.handOff(s.dispatch())
}

// waitForTasks blocks the driver until a task hands control back, watching
// for a run in which no event happens for the watchdog period.
func (s *Scheduler) waitForTasks() {
	period := s.Watchdog
	if period <= 0 {
		period = DefaultWatchdog
	}
	timer := time.NewTimer(period)
	defer timer.Stop()
	last := s.events.Load()
	for {
		select {
		case <-s.driver:
			return
		case <-timer.C:
			now := s.events.Load()
			if now != last {
				last = now
				timer.Reset(period)
				continue
			}
			s.broken.Store(true)
			s.failure = stuckError(period)
			return
		}
	}
}
