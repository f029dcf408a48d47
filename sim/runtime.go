package sim

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim/vtime"
)

// RuntimeKind chooses the clock the peers run on.
type RuntimeKind int

const (
	// Virtual is deterministic simulated time (the default): fast and
	// reproducible from the seed.
	Virtual RuntimeKind = iota
	// Realtime runs the same peers on the time package and real goroutines,
	// to check the simulation against reality and under the race detector.
	Realtime
	// Process runs every peer as a process of its own over real sockets
	// and disks (package live, not this one: a sim.Cluster refuses it).
	Process
)

func (k RuntimeKind) String() string {
	switch k {
	case Virtual:
		return "virtual"
	case Realtime:
		return "real"
	case Process:
		return "process"
	}
	return fmt.Sprintf("RuntimeKind(%d)", int(k))
}

// engine is a raft.Runtime the cluster can also drive.
type engine interface {
	raft.Runtime
	RunFor(d time.Duration) error
	// At runs fn at time at; fn must not block.
	At(at time.Duration, fn func())
	Halt()
	// Cancel makes RunFor return ErrCancelled; it may be called from any
	// goroutine.
	Cancel()
	Stop()
}

var _ engine = (*vtime.Scheduler)(nil)

// jitteryRuntime lengthens every Sleep by a random lag in [0, jitter], the
// way real timers fire late. The lag comes from its own seeded stream.
type jitteryRuntime struct {
	raft.Runtime
	jitter time.Duration

	mu  sync.Mutex // real-time peers sleep concurrently
	rng *rand.Rand
}

func (j *jitteryRuntime) Sleep(d time.Duration) {
	j.mu.Lock()
	lag := time.Duration(j.rng.Int64N(int64(j.jitter) + 1))
	j.mu.Unlock()
	j.Runtime.Sleep(d + lag)
}

// realtime is the wall-clock runtime.
type realtime struct {
	start time.Time

	mu  sync.Mutex // guards rng: peers draw timeouts concurrently
	rng *rand.Rand

	done   chan struct{} // closed by Stop
	halt   chan struct{} // signalled by Halt, drained by RunFor
	tasks  sync.WaitGroup
	closed sync.Once

	cancel    chan struct{} // closed by Cancel
	cancelled sync.Once
}

func newRealtime(seed uint64) *realtime {
	return &realtime{
		start: time.Now(),
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		done:  make(chan struct{}),
		halt:  make(chan struct{}, 1),

		cancel: make(chan struct{}),
	}
}

func (r *realtime) Now() time.Duration { return time.Since(r.start) }

func (r *realtime) Sleep(d time.Duration) {
	if d <= 0 {
		select {
		case <-r.done:
			runtime.Goexit()
		default:
			return
		}
	}
	t := time.NewTimer(d)
	select {
	case <-t.C:
	case <-r.done:
		t.Stop()
		runtime.Goexit()
	}
}

func (r *realtime) Go(f func()) {
	r.tasks.Add(1)
	go func() {
		defer r.tasks.Done()
		f()
	}()
}

func (r *realtime) Int64N(n int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Int64N(n)
}

// RunFor lets d of wall time pass, or less if Halt or Cancel is called.
func (r *realtime) RunFor(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.halt:
	case <-r.cancel:
		return ErrCancelled
	}
	return nil
}

func (r *realtime) Cancel() { r.cancelled.Do(func() { close(r.cancel) }) }

func (r *realtime) At(at time.Duration, fn func()) {
	time.AfterFunc(at-r.Now(), fn)
}

func (r *realtime) Halt() {
	select {
	case r.halt <- struct{}{}:
	default:
	}
}

// Stop makes every sleeping goroutine end and waits for all of them.
func (r *realtime) Stop() {
	r.closed.Do(func() { close(r.done) })
	r.tasks.Wait()
}

// WallClock is the real-time runtime on its own, for a peer that runs
// outside a Cluster (package live runs one per process).
type WallClock struct{ rt *realtime }

// NewWallClock starts a wall clock whose random draws come from seed.
func NewWallClock(seed uint64) *WallClock { return &WallClock{rt: newRealtime(seed)} }

// Runtime is what the peer is given.
func (w *WallClock) Runtime() raft.Runtime { return w.rt }

// Stop ends every goroutine the peer started through the runtime (each
// ends at its next wait) and waits for them.
func (w *WallClock) Stop() { w.rt.Stop() }

// Started is the wall-clock time of the runtime's time zero.
func (w *WallClock) Started() time.Time { return w.rt.start }
