package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

const ms = time.Millisecond

// exactTrial has zero latency and a fixed 150ms election timeout, so every
// time in a trial can be worked out by hand.
func exactTrial(sc Scenario) Trial {
	return Trial{
		Setting: Setting{Interval: 50 * ms, TimeoutMin: 150 * ms, TimeoutMax: 150 * ms, Nodes: 3, Latency: sim.Constant{}},
		Options: Options{Scenario: sc, Trials: 1, Parallel: 1, Limit: 2 * time.Second, Duration: time.Minute},
		Seed:    7,
		// Peer 0 boots first, so it times out first and wins at 150ms.
		BootDelays: []time.Duration{0, 10 * ms, 20 * ms},
		// Heartbeats from 0 reach peer 2 5ms late; 1 and 2 are 2ms apart.
		Links: map[sim.Link]sim.Latency{
			{From: 0, To: 2}: sim.Constant{D: 5 * ms},
			{From: 1, To: 2}: sim.Constant{D: 2 * ms},
			{From: 2, To: 1}: sim.Constant{D: 2 * ms},
		},
	}
}

func runExact(t *testing.T, tr Trial) Result {
	t.Helper()
	r, _, err := RunTrial(tr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestColdStartExact(t *testing.T) {
	r := runExact(t, exactTrial(ColdStart))
	// Peer 0 times out at 150ms; peer 1 votes at once (0ms link), so 0 leads
	// at 150ms; its first heartbeat reaches peer 2 at 155ms.
	if !r.Converged() || r.Elected != 150*ms || r.Stable != 155*ms {
		t.Fatalf("cold start: outcome %v, elected %v, stable %v; want converged, 150ms, 155ms", r.Outcome, r.Elected, r.Stable)
	}
	if r.Rounds != 1 || r.FailedRounds != 0 || r.SplitVotes != 0 {
		t.Fatalf("rounds %d failed %d split %d; want 1 0 0", r.Rounds, r.FailedRounds, r.SplitVotes)
	}
	// Two RequestVotes, then the first heartbeat round of two AppendEntries.
	if r.Window.RequestVote.Sent != 2 || r.Window.AppendEntries.Sent != 2 {
		t.Fatalf("RPCs in the phase: %+v; want 2 RequestVote, 2 AppendEntries", r.Window)
	}
}

func TestLeaderCrashExact(t *testing.T) {
	r := runExact(t, exactTrial(LeaderCrash))
	// Stable at 155ms, so the synchronized round is the one at 200ms: peer 1
	// hears it at 200ms (deadline 350ms), peer 2 at 205ms (deadline 355ms).
	// The crash comes at 200ms + offset. Peer 1 times out at 350ms; its
	// RequestVote reaches peer 2 at 352ms, the vote is back at 354ms and the
	// first heartbeat reaches peer 2 at 356ms.
	if r.CrashOffset < 0 || r.CrashOffset >= 50*ms {
		t.Fatalf("crash offset %v outside the heartbeat interval", r.CrashOffset)
	}
	if !r.Converged() || r.Elected+r.CrashOffset != 154*ms || r.Stable+r.CrashOffset != 156*ms {
		t.Fatalf("outcome %v, elected %v, downtime %v, offset %v; want elected+offset = 154ms, downtime+offset = 156ms",
			r.Outcome, r.Elected, r.Stable, r.CrashOffset)
	}
	if r.Rounds != 1 || r.SplitVotes != 0 {
		t.Fatalf("rounds %d split %d; want 1, 0", r.Rounds, r.SplitVotes)
	}
}

func TestQuietWindowAfterFailover(t *testing.T) {
	tr := exactTrial(LeaderCrash)
	tr.Options.Quiet = time.Second
	r := runExact(t, tr)
	// The new leader, peer 1, is elected at 354ms and heard by peer 2 at
	// 356ms; then the crashed peer 0 restarts. Peer 1's rounds go out at
	// 354+50k ms: the one at 404ms reaches peer 0 at once and peer 2 at
	// 406ms, and the cluster is whole. The window starts half an interval
	// after the next round (454ms), at 479ms, and lasts 20 intervals: the
	// rounds at 504ms ... 1454ms, each to two live peers, all delivered.
	if r.QuietRun != time.Second || r.QuietElections != 0 || r.QuietLeaderChanges != 0 ||
		r.Quiet.AppendEntries.Sent != 40 || r.Quiet.AppendEntries.Delivered != 40 || r.Quiet.RequestVote.Sent != 0 {
		t.Fatalf("quiet window: run %v, elections %d, leaders %d, RPCs %+v; want 1s, 0, 0, 40 AppendEntries sent and delivered only",
			r.QuietRun, r.QuietElections, r.QuietLeaderChanges, r.Quiet)
	}
	if r.Run != 1479*ms {
		t.Fatalf("trial ran %v; want 1479ms (the window from 479ms to 1479ms)", r.Run)
	}
}

func TestLeaderCrashSymmetricNeverConverges(t *testing.T) {
	// Without the uneven links both survivors hear every heartbeat at the same
	// instant and time out together, every 150ms, forever: a split vote each
	// round, and the trial is recorded as not converged.
	tr := exactTrial(LeaderCrash)
	tr.Links = nil
	r := runExact(t, tr)
	if r.Outcome != NotConverged || r.Failure == "" || r.Elected != NotReached || r.Stable != NotReached {
		t.Fatalf("outcome %v (%q), elected %v, stable %v; want a non-converged trial", r.Outcome, r.Failure, r.Elected, r.Stable)
	}
	// Stable at 150ms, as the first round is heard; the synchronized round is
	// the next, at 200ms; crash at 200ms + offset; elections at 350ms,
	// 500ms, ... until crash + 2s.
	crash := 200*ms + r.CrashOffset
	want := int((crash+2*time.Second-350*ms)/(150*ms)) + 1
	if r.Rounds != want || r.SplitVotes != want || r.FailedRounds != want {
		t.Fatalf("rounds %d, split %d, failed %d; want %d of each", r.Rounds, r.SplitVotes, r.FailedRounds, want)
	}
}

func TestPartitionExact(t *testing.T) {
	r := runExact(t, exactTrial(Partition))
	// Partition at 155ms (stable). Peer 1 last heard the leader at 150ms
	// (deadline 300ms), peer 2 at 155ms (deadline 305ms). Peer 1 wins as in
	// the crash case: elected at 304ms, heard by 2 at 306ms.
	if !r.Converged() || r.Elected != 149*ms || r.Stable != 151*ms {
		t.Fatalf("outcome %v (%s), elected %v, stable %v; want 149ms, 151ms", r.Outcome, r.Failure, r.Elected, r.Stable)
	}
	// Healed at 306ms. The old leader's own rounds go on at 150+50k ms: the
	// one at 350ms reaches peer 1 at once and the term-2 reply deposes it at
	// 350ms, before peer 1's round at 354ms would have.
	if r.Heal != 44*ms {
		t.Fatalf("old leader stepped down %v after the heal; want 44ms", r.Heal)
	}
}

func TestSteadyCountsNoSpuriousElections(t *testing.T) {
	tr := exactTrial(Steady)
	tr.Options.Duration = time.Hour
	r := runExact(t, tr)
	if !r.Converged() || r.QuietElections != 0 || r.QuietLeaderChanges != 0 || r.QuietRun != time.Hour {
		t.Fatalf("steady hour: outcome %v, elections %d, leader changes %d, quiet run %v; want converged, 0, 0, 1h",
			r.Outcome, r.QuietElections, r.QuietLeaderChanges, r.QuietRun)
	}
	// Stable at 155ms; rounds at 150+50k ms. The hour from 155ms holds the
	// rounds at 200ms ... 3600.150s: 72000 rounds of two heartbeats.
	if got, want := r.Quiet.AppendEntries.Sent, 2*72000; got != want {
		t.Fatalf("%d AppendEntries in an hour; want about %d", got, want)
	}
}

func TestSteadyFlapsWhenHeartbeatTooSlow(t *testing.T) {
	// Heartbeats every 200ms against a 150ms timeout: followers time out
	// between heartbeats, so the run is full of spurious elections.
	tr := exactTrial(Steady)
	tr.Setting.Interval = 200 * ms
	tr.Setting.TimeoutMax = 300 * ms
	tr.Options.Duration = 10 * time.Second
	r := runExact(t, tr)
	if !r.Converged() || r.QuietElections < 10 {
		t.Fatalf("outcome %v, only %d elections in 10s with heartbeats slower than the timeout", r.Outcome, r.QuietElections)
	}
}

func TestEligibleLimitsWinners(t *testing.T) {
	tr := Trial{
		Setting: Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}},
		Options: Options{Scenario: LeaderCrash, Eligible: 3, Limit: 10 * time.Second},
		Record:  true,
	}
	for seed := range uint64(30) {
		tr.Seed = seed
		r, events, err := RunTrial(tr)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Converged() {
			t.Fatalf("seed %d did not converge: %s", seed, r.Failure)
		}
		for _, e := range events {
			if e.Kind == sim.StateChange && e.Role.String() == "leader" && e.Peer >= 3 {
				t.Fatalf("seed %d: stale peer %d became leader", seed, e.Peer)
			}
		}
	}
}

// With -eligible K the peer that fails is always one of the K: a stale peer
// cannot be elected, so it is never the leader that crashes or is isolated,
// and K-1 of the survivors can win. Loss and jitter vary who leads.
func TestFaultAlwaysHitsAnEligiblePeer(t *testing.T) {
	for _, sc := range []Scenario{LeaderCrash, Partition} {
		tr := Trial{
			Setting: Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 5,
				Latency: sim.Uniform{Min: 2 * ms, Max: 8 * ms}, Loss: 0.05},
			Options: Options{Scenario: sc, Eligible: 3, Limit: 10 * time.Second, TimerJitter: 10 * ms},
			Record:  true,
		}
		hit := map[int]int{}
		for seed := range uint64(200) {
			tr.Seed = seed
			r, events, err := RunTrial(tr)
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome == NotStarted {
				continue
			}
			for _, e := range events {
				if e.Kind != sim.Fault || (e.Fault != "crash" && !strings.HasPrefix(e.Fault, "partition")) {
					continue
				}
				victim := e.Peer
				if sc == Partition {
					// "partition [[L] [others]]": the first group is the isolated leader.
					victim = -1
					fmt.Sscanf(e.Fault, "partition [[%d]", &victim)
				}
				hit[victim]++
				if victim < 0 || victim >= 3 {
					t.Fatalf("%s seed %d: the fault hit peer %d (%q), which is not among the 3 eligible", sc, seed, victim, e.Fault)
				}
				break
			}
		}
		if len(hit) < 2 {
			t.Fatalf("%s: faults hit only peers %v; the test wants leaders to vary", sc, hit)
		}
	}
}
