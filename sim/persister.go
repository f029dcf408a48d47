package sim

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftbench/raftbench/raft"
)

// store is a peer's disk: it outlives crashes. Writes are serial, as on one
// device: each takes a draw of the fsync model and starts when the one
// before it has finished.
type store struct {
	// idleAt is when the last write queued so far completes. It is read
	// on every step a peer takes (its clock), so without the lock.
	idleAt atomic.Int64

	mu   sync.Mutex
	data []byte // the last write queued
}

func (s *store) read() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.data)
}

// busyUntil is when the disk finishes the writes queued so far (in the past
// when it is idle).
func (s *store) busyUntil() time.Duration { return time.Duration(s.idleAt.Load()) }

// write queues a write of data at now that takes cost: the disk is busy
// until it completes (busyUntil). The data is what a restart reads from then
// on even if the process dies before the fsync returns: a crash here is a
// process crash, and the kernel still completes a write it was handed.
func (s *store) write(now, cost time.Duration, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = slices.Clone(data)
	s.idleAt.Store(int64(max(s.busyUntil(), now) + cost))
}

// fsyncModel draws the time each write of persistent state takes.
type fsyncModel struct {
	model Latency // nil: writes are instant

	mu  sync.Mutex // real-time peers write concurrently
	rng *rand.Rand
}

func (f *fsyncModel) cost() time.Duration {
	if f.model == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.model.Sample(f.rng)
}

// persister is one incarnation's handle on its store. After a crash the
// handle goes dead: a crashed process writes nothing, even if one of its
// goroutines is still finishing an RPC.
type persister struct {
	s     *store
	fsync *fsyncModel
	clock raft.Runtime // the engine's clock: writes queue in real (or virtual) time
	dead  atomic.Bool
}

func (p *persister) ReadRaftState() []byte { return p.s.read() }

func (p *persister) Save(state []byte) {
	if p.dead.Load() {
		return
	}
	p.s.write(p.clock.Now(), p.fsync.cost(), state)
}

// peerRuntime is the runtime one incarnation runs on. A write of persistent
// state blocks the peer, as it does in LogCabin and hashicorp/raft, which
// hold the peer's lock (or run their only loop) across the fsync: until the
// disk is idle the peer's clock reads the write's completion, its timers do
// not fire, and (see network) it neither handles requests nor sends.
type peerRuntime struct {
	timers raft.Runtime // the engine, or the engine with timer jitter
	eng    raft.Runtime // exact waits
	disk   *store
}

// Now is the peer's view of the time: a statement after a write runs when
// the write has completed.
func (p *peerRuntime) Now() time.Duration { return max(p.eng.Now(), p.disk.busyUntil()) }

// Sleep waits d from the peer's now, plus any timer lateness, and then for
// the disk if a write is still in progress.
func (p *peerRuntime) Sleep(d time.Duration) {
	p.timers.Sleep(p.Now() - p.eng.Now() + d)
	p.waitDisk()
}

func (p *peerRuntime) waitDisk() { waitForDisk(p.eng, p.disk) }

func (p *peerRuntime) Go(f func())          { p.eng.Go(f) }
func (p *peerRuntime) Int64N(n int64) int64 { return p.timers.Int64N(n) }

// waitForDisk returns when disk has no write in progress.
func waitForDisk(rt raft.Runtime, disk *store) {
	for {
		wait := disk.busyUntil() - rt.Now()
		if wait <= 0 {
			return
		}
		rt.Sleep(wait)
	}
}
