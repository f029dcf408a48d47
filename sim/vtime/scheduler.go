package vtime

import (
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime/debug"
	"sync"
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
	current *worker // the worker whose task runs, nil in callbacks
	rng     *rand.Rand
	live    int
	idle    []*worker // workers whose task ended, ready for the next one

	watch    *time.Timer   // the driver's watchdog
	engineUp bool          // an engine goroutine is waiting for commands
	cmd      chan command  // driver -> engine
	done     chan struct{} // engine -> driver; buffered so an engine that outlives a stuck run never blocks
	halted   bool
	stopping bool
	failure  error
	panicked *taskPanic

	// Watchdog bounds how long RunFor waits without any event running
	// before failing the run; zero means DefaultWatchdog.
	Watchdog time.Duration
	// Budget bounds the work of the whole run (zero fields: unbounded).
	Budget Budget

	events    atomic.Uint64 // events dispatched, read by the watchdog
	broken    atomic.Bool   // a task is stuck outside the scheduler
	cancelled atomic.Bool   // Cancel was called
}

// Budget bounds a run's work, so that a run that floods the scheduler (a
// timer period far below the network's latency starts tasks faster than
// they end) fails with a BudgetError instead of exhausting the machine.
type Budget struct {
	// Events is the most events (task resumptions and callbacks) the run
	// may dispatch: it bounds wall time, whatever virtual time does.
	Events uint64
	// Tasks is the most tasks alive at once: each holds a coroutine and its
	// stack, so it bounds memory.
	Tasks int
}

// BudgetError reports a run that exceeded its Budget.
type BudgetError struct {
	What  string // "events" or "live tasks"
	Limit uint64
	At    time.Duration // the virtual time it happened
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("exceeded its budget of %d %s at %v of virtual time", e.Limit, e.What, e.At)
}

// ErrCancelled is RunFor's error after Cancel.
var ErrCancelled = errors.New("vtime: run cancelled")

type command int

const (
	cmdRun command = iota
	cmdStop
)

// A worker is a coroutine (iter.Pull) that runs tasks one after another.
// Switching to a coroutine and back is a direct hand-off on one thread,
// without the Go scheduler's run queues, wake-ups of idle processors or
// timer checks that a channel hand-off between goroutines costs; and a
// worker reused for many short tasks (one per RPC) keeps its grown stack
// instead of starting a goroutine at 2 KiB that grows on the RPC path.
type worker struct {
	s      *Scheduler // the scheduler it works for now
	resume func() (struct{}, bool)
	stop   func()
	yield  func(struct{}) bool
	f      func() // the task to start on the next resume
	ended  bool   // the task has returned (or panicked, or was killed)
	killed bool   // Stop: the parked task must unwind
}

// taskKilled is the panic value that unwinds a task ended by Stop (or left
// behind by a stuck run), running its deferred calls. runtime.Goexit, which
// did this when tasks were goroutines, would be carried by iter.Pull into
// the engine goroutine.
type taskKilled struct{}

type taskPanic struct {
	value any
	stack []byte
}

// New returns a scheduler at virtual time zero whose randomness comes from
// seed.
func New(seed uint64) *Scheduler {
	return &Scheduler{
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		cmd:  make(chan command),
		done: make(chan struct{}, 1),
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
	s.live++
	s.push(event{at: s.now, w: starting, fn: f})
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
	w := s.current
	if w == nil {
		panic("vtime: Sleep called outside a simulated goroutine (use Go to start one)")
	}
	if s.stopping || s.broken.Load() {
		panic(taskKilled{})
	}
	if d < 0 {
		d = 0
	}
	s.push(event{at: s.now + d, w: w})
	if s.ownTurn(w) {
		return // our own wake-up comes first: no switch needed
	}
	w.yield(struct{}{})
	if w.killed || s.broken.Load() {
		panic(taskKilled{})
	}
}

// ownTurn dispatches w's own wake-up if it is the next event to run.
func (s *Scheduler) ownTurn(w *worker) bool {
	if !s.runnable() || s.queue.peek().w != w {
		return false
	}
	s.now = s.queue.pop().at
	s.events.Add(1)
	return true
}

// Cancel makes the current RunFor (and every later one) return
// ErrCancelled before its next event. Unlike the other methods it may be
// called from any goroutine, at any time: it only aborts, so a run that is
// not cancelled stays a pure function of its seed.
func (s *Scheduler) Cancel() { s.cancelled.Store(true) }

// Halt makes the current RunFor return once the running task parks, at the
// current virtual time. Callbacks and tasks use it when a run has reached
// what it was waiting for.
func (s *Scheduler) Halt() { s.halted = true }

// RunFor runs events up to virtual time Now()+d (or until Halt), then
// returns. It returns an error if a task got stuck outside the scheduler, and
// re-panics, in the caller's goroutine, if a task panicked.
func (s *Scheduler) RunFor(d time.Duration) error {
	if s.failure == nil && s.cancelled.Load() {
		s.failure = ErrCancelled
	}
	if s.failure != nil {
		return s.failure
	}
	s.halted = false
	s.limit = s.now + max(d, 0)
	if s.runnable() {
		s.command(cmdRun)
		s.waitForTasks()
		if s.broken.Load() {
			// The stuck task may still touch the scheduler; leave its state alone.
			return s.failure
		}
	}
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
// callbacks; its idle workers go to the next scheduler (see spare). A
// scheduler whose run failed with a stuck task cannot reclaim that task's
// goroutine; Stop leaves it and the parked ones alone.
func (s *Scheduler) Stop() {
	if s.broken.Load() {
		return
	}
	if s.queue.len() == 0 && len(s.idle) == 0 && !s.engineUp {
		return // no coroutine to end
	}
	s.command(cmdStop)
	<-s.done
}

func (s *Scheduler) push(e event) {
	s.seq++
	e.seq = s.seq
	s.queue.push(e, s.now)
}

// runnable reports whether the next event may run in this RunFor. Every
// event is dispatched after it says yes, so it is where cancellation and
// the budget are checked: an atomic load and two comparisons per event.
func (s *Scheduler) runnable() bool {
	return s.queue.len() > 0 && s.queue.peek().at <= s.limit &&
		!s.halted && s.failure == nil && s.panicked == nil && s.withinBudget()
}

// withinBudget reports whether the run may go on, recording the failure
// if it may not.
func (s *Scheduler) withinBudget() bool {
	b := s.Budget
	switch {
	case s.cancelled.Load():
		s.failure = ErrCancelled
	case b.Events > 0 && s.events.Load() >= b.Events:
		s.failure = &BudgetError{What: "events", Limit: b.Events, At: s.now}
	case b.Tasks > 0 && s.live > b.Tasks:
		s.failure = &BudgetError{What: "live tasks", Limit: uint64(b.Tasks), At: s.now}
	default:
		return true
	}
	return false
}

// command hands a command to the engine goroutine, starting one if none is
// waiting (the first run, or the last engine ended with a panicking callback).
func (s *Scheduler) command(c command) {
	if s.engineUp {
		s.cmd <- c
		return
	}
	s.engineUp = true
	go s.serve(c)
}

// serve is the engine goroutine: it runs the driver's commands and resumes
// tasks' coroutines, one at a time, in event order. Its loop, not the
// tasks, dispatches events: a coroutine can only switch back to the
// goroutine that resumed it.
func (s *Scheduler) serve(c command) {
	clean := false
	defer func() {
		if !clean {
			s.engineDied(c, recover())
		}
	}()
	for {
		if c == cmdStop {
			s.kill()
		} else {
			s.run()
		}
		if s.broken.Load() {
			clean = true
			return // the driver gave up on this run
		}
		if c == cmdStop {
			s.engineUp = false
			clean = true
			s.done <- struct{}{}
			return
		}
		s.done <- struct{}{}
		c = s.await()
	}
}

// await waits for the driver's next command. Its name marks an idle engine
// for stuckError.
//
//go:noinline
func (s *Scheduler) await() command { return <-s.cmd }

// engineDied handles an engine goroutine ending abnormally: a callback
// panicked (r != nil), or the running task called runtime.Goexit (t.FailNow,
// say), which iter.Pull carries into the goroutine that resumed it.
func (s *Scheduler) engineDied(c command, r any) {
	if s.broken.Load() {
		return
	}
	if r == nil {
		// Goexit ended the task and its coroutine with it; carry on with the
		// command on a fresh engine goroutine.
		if s.current != nil {
			s.current = nil
			s.live--
		}
		go s.serve(c)
		return
	}
	if s.panicked == nil {
		s.panicked = &taskPanic{value: r, stack: debug.Stack()}
	}
	s.current = nil
	s.engineUp = false
	s.done <- struct{}{}
}

// run dispatches events until the horizon, a halt, a failure or a panic.
func (s *Scheduler) run() {
	for s.runnable() {
		ev := s.queue.pop()
		s.now = ev.at
		s.events.Add(1)
		switch ev.w {
		case nil:
			ev.fn()
		case starting:
			w := s.worker()
			w.f = ev.fn
			s.resume(w)
		default:
			s.resume(ev.w)
		}
		if s.broken.Load() {
			return
		}
	}
}

// worker returns an idle worker, or a new one.
func (s *Scheduler) worker() *worker {
	if n := len(s.idle); n > 0 {
		w := s.idle[n-1]
		s.idle[n-1] = nil
		s.idle = s.idle[:n-1]
		return w
	}
	if w := spare.get(); w != nil {
		w.s = s
		return w
	}
	w := &worker{s: s}
	w.resume, w.stop = iter.Pull(func(yield func(struct{}) bool) { work(w, yield) })
	return w
}

// resume runs w's task until it parks or ends.
func (s *Scheduler) resume(w *worker) {
	s.current = w
	w.resume()
	if s.broken.Load() {
		return // a stuck task came unstuck after the driver gave up
	}
	s.current = nil
	if w.ended {
		w.ended, w.killed = false, false
		s.live--
		s.idle = append(s.idle, w)
	}
}

// work is a worker coroutine's body: one task per resume after the last
// one ended, until Stop.
func work(w *worker, yield func(struct{}) bool) {
	w.yield = yield
	for {
		w.s.runTask(w)
		if w.s.startHere(w) {
			continue
		}
		if !yield(struct{}{}) {
			return
		}
	}
}

// startHere runs the next event on w, whose task has just ended, when that
// event starts a new task: as when an election's task ends right after
// starting its RequestVote tasks. It saves a switch to the engine and back.
func (s *Scheduler) startHere(w *worker) bool {
	if s.stopping || s.broken.Load() || !s.runnable() || s.queue.peek().w != starting {
		return false
	}
	ev := s.queue.pop()
	s.now = ev.at
	s.events.Add(1)
	s.live-- // the task that ended; the new one was counted by Go
	w.ended = false
	w.f = ev.fn
	return true
}

func (s *Scheduler) runTask(w *worker) {
	defer s.taskEnded(w)
	f := w.f
	w.f = nil
	f()
}

// taskEnded runs when a task ends: it returned, panicked, or was killed.
func (s *Scheduler) taskEnded(w *worker) {
	w.ended = true
	r := recover()
	if r == nil || s.broken.Load() {
		return
	}
	if _, ok := r.(taskKilled); ok {
		return
	}
	if s.panicked == nil {
		s.panicked = &taskPanic{value: r, stack: debug.Stack()}
	}
}

// kill ends every parked task, drops pending tasks and callbacks, and ends
// the workers' coroutines.
func (s *Scheduler) kill() {
	s.stopping = true
	for s.queue.len() > 0 {
		ev := s.queue.pop()
		switch ev.w {
		case nil: // a callback: dropped
		case starting:
			s.live-- // never ran
		default:
			ev.w.killed = true
			s.resume(ev.w)
		}
	}
	for i, w := range s.idle {
		w.s = nil
		if !spare.put(w) {
			w.stop()
		}
		s.idle[i] = nil
	}
	s.idle = nil
}

// waitForTasks blocks the driver until the engine hands control back,
// watching for a run in which no event happens for the watchdog period.
func (s *Scheduler) waitForTasks() {
	period := s.Watchdog
	if period <= 0 {
		period = DefaultWatchdog
	}
	// One timer for the scheduler's life: a trial runs a handful of phases.
	// Since Go 1.23 a stopped timer's channel holds no stale tick.
	if s.watch == nil {
		s.watch = time.NewTimer(period)
	} else {
		s.watch.Reset(period)
	}
	timer := s.watch
	defer timer.Stop()
	last := s.events.Load()
	for {
		select {
		case <-s.done:
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

// spare holds idle workers between schedulers: a sweep runs thousands of
// short trials, each on a new scheduler, and each would otherwise start its
// dozen or so coroutines afresh. Up to maxSpare of them stay parked in the
// process after their scheduler stopped.
var spare workerPool

type workerPool struct {
	mu   sync.Mutex
	idle []*worker
}

const maxSpare = 128

func (p *workerPool) get() *worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	w := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return w
}

func (p *workerPool) put(w *worker) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= maxSpare {
		return false
	}
	p.idle = append(p.idle, w)
	return true
}

// drain ends the spare workers' coroutines (for tests that count goroutines).
func (p *workerPool) drain() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, w := range idle {
		w.stop()
	}
}
