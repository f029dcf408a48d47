package sim

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/raftbench/raftbench/raft"
)

// Violation is a broken Raft safety rule.
type Violation struct {
	At     time.Duration
	Rule   string // "one leader per term", "terms never go backwards", "one vote per term", "persist before reply"
	Term   int
	Peers  []int
	Detail string
}

func (v Violation) String() string {
	return fmt.Sprintf("safety violation at %v: %s: term %d, peers %v: %s", v.At, v.Rule, v.Term, v.Peers, v.Detail)
}

// SafetyError lists every violation a run produced.
type SafetyError struct{ Violations []Violation }

func (e *SafetyError) Error() string {
	lines := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n")
}

type voteKey struct{ peer, term int }

// monitor checks Raft's election safety rules against what the peers report
// through raft.Observer, and what the network sees of granted votes.
type monitor struct {
	mu         sync.Mutex
	leaderOf   map[int]int     // term -> leader
	voteOf     map[voteKey]int // (voter, term) -> candidate
	lastTerm   []int           // highest term each peer has reported, across restarts
	violations []Violation
	onViolate  func()
}

func newMonitor(n int, onViolate func()) *monitor {
	return &monitor{
		leaderOf:  make(map[int]int),
		voteOf:    make(map[voteKey]int),
		lastTerm:  make([]int, n),
		onViolate: onViolate,
	}
}

func (m *monitor) violateLocked(v Violation) {
	m.violations = append(m.violations, v)
	if m.onViolate != nil {
		m.onViolate()
	}
}

func (m *monitor) stateChanged(at time.Duration, peer, term int, role raft.Role) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if term < m.lastTerm[peer] {
		m.violateLocked(Violation{At: at, Rule: "terms never go backwards", Term: term, Peers: []int{peer},
			Detail: fmt.Sprintf("peer %d went from term %d back to %d", peer, m.lastTerm[peer], term)})
	} else {
		m.lastTerm[peer] = term
	}
	if role != raft.Leader {
		return
	}
	if other, ok := m.leaderOf[term]; ok && other != peer {
		m.violateLocked(Violation{At: at, Rule: "one leader per term", Term: term, Peers: []int{other, peer},
			Detail: fmt.Sprintf("peers %d and %d both became leader of term %d", other, peer, term)})
		return
	}
	m.leaderOf[term] = peer
}

func (m *monitor) voteGranted(at time.Duration, peer, term, candidate int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := voteKey{peer, term}
	if prev, ok := m.voteOf[k]; ok && prev != candidate {
		m.violateLocked(Violation{At: at, Rule: "one vote per term", Term: term, Peers: []int{peer, prev, candidate},
			Detail: fmt.Sprintf("peer %d voted for %d and then for %d in term %d", peer, prev, candidate, term)})
		return
	}
	m.voteOf[k] = candidate
}

// votePersisted checks, when a granted vote leaves the voter, that its disk
// already holds that vote (or a later term).
func (m *monitor) votePersisted(at time.Duration, voter, candidate, term int, disk []byte) {
	diskTerm, diskVote, err := raft.DecodeState(disk)
	if err == nil && (diskTerm > term || (diskTerm == term && diskVote == candidate)) {
		return
	}
	detail := fmt.Sprintf("peer %d granted its term-%d vote to %d, but its disk holds term %d, vote %d", voter, term, candidate, diskTerm, diskVote)
	if err != nil {
		detail = fmt.Sprintf("peer %d granted its term-%d vote to %d with unreadable state on disk: %v", voter, term, candidate, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.violateLocked(Violation{At: at, Rule: "persist before reply", Term: term, Peers: []int{voter, candidate}, Detail: detail})
}

func (m *monitor) err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.violations) == 0 {
		return nil
	}
	return &SafetyError{Violations: append([]Violation(nil), m.violations...)}
}

// SafetyMonitor checks Raft's election safety rules on a timeline of events
// that did not come from a simulated cluster (package live's processes
// report theirs over the wire). Its methods may be called from several
// goroutines.
type SafetyMonitor struct{ m *monitor }

// NewSafetyMonitor watches a cluster of n peers.
func NewSafetyMonitor(n int) *SafetyMonitor { return &SafetyMonitor{m: newMonitor(n, nil)} }

// Observe checks a state change or a granted vote; other events pass.
func (s *SafetyMonitor) Observe(e Event) {
	switch e.Kind {
	case StateChange:
		s.m.stateChanged(e.At, e.Peer, e.Term, e.Role)
	case Vote:
		s.m.voteGranted(e.At, e.Peer, e.Term, e.Other)
	}
}

// VoteSent checks that a reply granting voter's term-term vote to
// candidate left only once disk (the voter's stable state, as
// raft.EncodeState writes it) held that vote or a later term.
func (s *SafetyMonitor) VoteSent(at time.Duration, voter, candidate, term int, disk []byte) {
	s.m.votePersisted(at, voter, candidate, term, disk)
}

// Err lists every violation seen, or is nil.
func (s *SafetyMonitor) Err() error { return s.m.err() }
