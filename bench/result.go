package bench

import (
	"time"

	"github.com/raftbench/raftbench/sim"
)

// Result is one trial's record. Times are measured from the phase's start
// (the boot, the crash, the partition); a time the trial never reached is
// negative (NotReached).
type Result struct {
	Point int    // index of the setting in the sweep
	Trial int    // index of the trial within its setting
	Seed  uint64 // replays this trial exactly

	Outcome TrialOutcome
	Failure string // why it did not converge, or did not start

	Elected     time.Duration // to a new leader
	Stable      time.Duration // to every live peer having heard it (leader-crash: the downtime)
	Heal        time.Duration // partition: from heal until the old leader stepped down
	CrashOffset time.Duration // leader-crash: crash time after the synchronized heartbeat round
	// Stale (partition): from the cut until the isolated leader stopped
	// believing it leads — how long clients could still reach a stale
	// leader (CheckQuorum ends it without a heal).
	Stale time.Duration
	// LeaderChanges (follower-rejoin): leaders elected in the measured
	// phase: what the rejoining follower cost a healthy cluster.
	LeaderChanges int

	Rounds       int // terms started during the measured phase
	FailedRounds int // of those, terms that elected no leader
	SplitVotes   int // of those, terms with several candidates and no leader

	// The quiet window: after a converged phase the trial runs on without
	// faults (Options.Quiet; steady: Options.Duration) and counts what should
	// not happen there.
	QuietRun           time.Duration
	QuietElections     int       // terms started: spurious elections
	QuietLeaderChanges int       // leaders elected
	Quiet              sim.Stats // RPCs in the window: the steady-state cost

	Run    time.Duration // how long the trial ran in total
	Total  sim.Stats     // RPCs over the whole trial
	Window sim.Stats     // RPCs during the measured phase
	Phase  time.Duration // length of the measured phase

	// ClockUncertainty bounds how far events of peers on different hosts
	// may be misplaced against each other (real processes on agents: see
	// live.Cluster.ClockUncertainty); zero on one host and in simulation.
	ClockUncertainty time.Duration
}

// TrialOutcome is how a trial ended.
type TrialOutcome string

const (
	// Converged: the measured phase reached a stable leader within the
	// limit (and, in partition, the old leader stepped down after the heal).
	Converged TrialOutcome = "converged"
	// NotConverged: the measured phase began (the fault was injected) but a
	// wait exceeded the limit. The setting failed to recover.
	NotConverged TrialOutcome = "not-converged"
	// NotStarted: the trial never reached its measured phase: no stable
	// leader to inject the fault into within the limit, or the cluster was
	// not quiet at the fault (see runner.notQuiet). It says nothing
	// about recovery, and has no times, rounds or phase RPCs.
	NotStarted TrialOutcome = "not-started"
)

// TrialOutcomes lists every outcome.
var TrialOutcomes = []TrialOutcome{Converged, NotConverged, NotStarted}

// Converged reports whether the trial's measured phase converged.
func (r Result) Converged() bool { return r.Outcome == Converged }

// NotReached marks a time a trial never reached.
const NotReached = time.Duration(-1)

// PerSecond is an RPC count over the whole run, per second of run.
func (r Result) PerSecond(sent int) float64 {
	if r.Run <= 0 {
		return 0
	}
	return float64(sent) / r.Run.Seconds()
}

// Dropped is every call that returned false, over the whole trial.
func (r Result) Dropped() int {
	return r.Total.AppendEntries.Dropped + r.Total.RequestVote.Dropped
}

func subStats(a, b sim.Stats) sim.Stats {
	sub := func(x, y sim.RPCStats) sim.RPCStats {
		return sim.RPCStats{Sent: x.Sent - y.Sent, Delivered: x.Delivered - y.Delivered, Replied: x.Replied - y.Replied, Dropped: x.Dropped - y.Dropped}
	}
	return sim.Stats{AppendEntries: sub(a.AppendEntries, b.AppendEntries), RequestVote: sub(a.RequestVote, b.RequestVote)}
}
