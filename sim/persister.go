package sim

import (
	"slices"
	"sync"
	"sync/atomic"
)

// store is a peer's disk: it outlives crashes.
type store struct {
	mu    sync.Mutex
	data  []byte
	saves uint64
}

func (s *store) read() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.data)
}

func (s *store) saveCount() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// persister is one incarnation's handle on its store. After a crash the
// handle goes dead: a crashed process writes nothing, even if one of its
// goroutines is still finishing an RPC.
type persister struct {
	s    *store
	dead atomic.Bool
}

func (p *persister) ReadRaftState() []byte { return p.s.read() }

func (p *persister) Save(state []byte) {
	if p.dead.Load() {
		return
	}
	p.s.mu.Lock()
	p.s.data = slices.Clone(state)
	p.s.saves++
	p.s.mu.Unlock()
}
