package bench

import (
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
)

// crashState reads a recorded leader-crash trial: the crashed leader's term,
// the highest term any other peer had reached at the crash, and when the
// term the first new leader won had been started.
func crashState(events []sim.Event) (crashed bool, at time.Duration, leaderTerm, highest int, wonStarted time.Duration) {
	term := map[int]int{}
	var leader int
	wonStarted = -1
	started := map[int]time.Duration{} // term -> its first candidate
	for _, e := range events {
		switch {
		case e.Kind == sim.Fault && e.Fault == "crash" && !crashed:
			crashed, at, leader = true, e.At, e.Peer
			leaderTerm = term[leader]
			for p, t := range term {
				if p != leader {
					highest = max(highest, t)
				}
			}
		case e.Kind == sim.StateChange:
			term[e.Peer] = e.Term
			if e.Role == raft.Candidate {
				if _, ok := started[e.Term]; !ok {
					started[e.Term] = e.At
				}
			}
			if crashed && e.Role == raft.Leader && wonStarted < 0 {
				wonStarted = started[e.Term]
			}
		}
	}
	return
}

// electingAtEnd reports whether, when the recorded run ended, some peer was
// in a term above that of the last leader elected.
func electingAtEnd(events []sim.Event) bool {
	term := map[int]int{}
	leaderTerm := 0
	for _, e := range events {
		if e.Kind == sim.StateChange {
			term[e.Peer] = e.Term
			if e.Role == raft.Leader {
				leaderTerm = e.Term
			}
		}
	}
	for _, t := range term {
		if t > leaderTerm {
			return true
		}
	}
	return false
}

// A failover is timed only from a crash into a quiet cluster: at the crash
// no peer is in a term above the leader's (no election has begun), so the
// election that ends the downtime began after the crash. The setting is the
// one where, under 10% loss, followers that missed heartbeats were already
// candidates when the leader crashed, and failovers of 7 ms were reported.
func TestFailoverNeverTimedFromAnElectionBeforeTheCrash(t *testing.T) {
	lat, err := sim.ParseLatency("uniform:3ms..7ms")
	if err != nil {
		t.Fatal(err)
	}
	tr := Trial{
		Setting: Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 5, Latency: lat, Loss: 0.1},
		Options: Options{Scenario: LeaderCrash, Limit: 30 * time.Second},
		Record:  true,
	}
	notQuiet := 0
	for k := range 2000 {
		tr.Seed = TrialSeed(5, 0, k)
		r, events, err := RunTrial(tr)
		if err != nil {
			t.Fatal(err)
		}
		crashed, at, leaderTerm, highest, wonStarted := crashState(events)
		if crashed && highest > leaderTerm {
			notQuiet++
			t.Errorf("trial %d (seed %d): crashed the leader of term %d at %v while a peer was in term %d; outcome %s, failover %v",
				k, tr.Seed, leaderTerm, at, highest, r.Outcome, r.Elected)
		}
		if r.Converged() && (wonStarted < at || r.Rounds < 1) {
			t.Errorf("trial %d (seed %d): failover of %v timed from an election begun at %v, before the crash at %v (%d rounds)",
				k, tr.Seed, r.Elected, wonStarted, at, r.Rounds)
		}
		if r.Outcome == NotStarted && !crashed && electingAtEnd(events) {
			notQuiet++
		}
	}
	// The test means something only if the case it guards against came up.
	if notQuiet == 0 {
		t.Fatal("no trial found the cluster electing at the crash; the setting no longer provokes the case")
	}
}
