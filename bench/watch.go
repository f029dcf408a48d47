package bench

import (
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
)

// watch follows one measured phase of a trial through the cluster's events:
// the elections started, the leaders elected, and the first moment a leader
// has been heard by every peer that should hear it.
type watch struct {
	minTerm int    // only terms above this belong to the phase
	want    []bool // peers that must hear the leader; nil: all
	nodes   int

	candidates map[int]int    // term -> candidates that started it
	leaderOf   map[int]int    // term -> leader
	heard      map[int][]bool // term -> peers that accepted its leader's heartbeat

	elected, stable     bool
	electedAt, stableAt time.Duration
	stableTerm          int

	// also, if set, sees every event first (a scenario's own bookkeeping
	// during the phase).
	also func(sim.Event)
}

func newWatch(nodes, minTerm int, want []bool) *watch {
	return &watch{
		minTerm:    minTerm,
		want:       want,
		nodes:      nodes,
		candidates: map[int]int{},
		leaderOf:   map[int]int{},
		heard:      map[int][]bool{},
	}
}

// observe takes one event and reports whether the phase is stable.
func (w *watch) observe(e sim.Event) bool {
	if w.also != nil {
		w.also(e)
	}
	if e.Term <= w.minTerm {
		return w.stable
	}
	switch {
	case e.Kind == sim.StateChange && e.Role == raft.Candidate:
		w.candidates[e.Term]++
	case e.Kind == sim.StateChange && e.Role == raft.Leader:
		w.leaderOf[e.Term] = e.Peer
		if !w.elected {
			w.elected, w.electedAt = true, e.At
		}
		w.checkStable(e.Term, e.At)
	case e.Kind == sim.Heartbeat:
		h := w.heard[e.Term]
		if h == nil {
			h = make([]bool, w.nodes)
			w.heard[e.Term] = h
		}
		h[e.Peer] = true
		w.checkStable(e.Term, e.At)
	}
	return w.stable
}

func (w *watch) checkStable(term int, at time.Duration) {
	leader, ok := w.leaderOf[term]
	if w.stable || !ok {
		return
	}
	h := w.heard[term]
	for p := range w.nodes {
		if p == leader || (w.want != nil && !w.want[p]) {
			continue
		}
		if h == nil || !h[p] {
			return
		}
	}
	w.stable, w.stableAt, w.stableTerm = true, at, term
}

// rounds counts the phase's elections: terms started, terms that ended
// without a leader, and split votes (terms with several candidates and no
// leader).
func (w *watch) rounds() (started, failed, split int) {
	for term, n := range w.candidates {
		started++
		if _, won := w.leaderOf[term]; !won {
			failed++
			if n > 1 {
				split++
			}
		}
	}
	return started, failed, split
}

// leaders is how many terms of the phase elected a leader.
func (w *watch) leaders() int { return len(w.leaderOf) }
