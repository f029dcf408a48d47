package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
)

// Trial is everything one trial depends on.
type Trial struct {
	Setting Setting
	Options Options
	Seed    uint64
	// Point and Index place the trial in its sweep (for the record only).
	Point, Index int
	// Record keeps the cluster's full timeline (for replay).
	Record bool
	// Links and BootDelays override the network per link and the random
	// boot skew; tests use them to build cases with exact answers.
	Links      map[sim.Link]sim.Latency
	BootDelays []time.Duration
	// Trace, if not nil, records this trial as one trace.
	Trace *TraceConfig
}

// TrialSeed derives trial's seed from the run's seed and its place in the
// sweep, so any trial can be replayed on its own and the order in which
// workers pick trials does not matter.
func TrialSeed(runSeed uint64, point, trial int) uint64 {
	return mix(runSeed ^ mix(uint64(point)<<32|uint64(uint32(trial))))
}

// mix is SplitMix64's finalizer: nearby inputs give unrelated outputs.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (t Trial) simConfig(rng *rand.Rand) sim.Config {
	s, o := t.Setting, t.Options
	cfg := sim.Config{
		Nodes:   s.Nodes,
		Seed:    t.Seed,
		Raft:    s.Raft(o),
		Runtime: o.Runtime,
		Network: sim.Network{
			Latency:    s.Latency,
			Links:      t.Links,
			Loss:       s.Loss,
			RPCTimeout: o.RPCTimeout,
		},
		Fsync:       o.Fsync,
		BootDelays:  t.BootDelays,
		Record:      t.Record,
		TimerJitter: o.TimerJitter,
		Budget:      t.budget(),
	}
	if o.Eligible > 0 && o.Eligible < s.Nodes {
		// Peers 0..K-1 hold the newest entry; the rest lag one term behind.
		cfg.LastLog = make([]raft.LogPosition, s.Nodes)
		for i := range o.Eligible {
			cfg.LastLog[i] = raft.LogPosition{Index: 1, Term: 1}
		}
	}
	skew := o.BootSkew
	if tk := cfg.Raft.Ticks; tk != nil {
		// Tick-based peers (etcd) count time from their own start: real
		// servers start at different moments, so their ticks are out of
		// phase. Booted at one instant they would tick together, and two
		// followers drawing the same tick count would stand at the same
		// instant, splitting votes far more often than etcd does (2% of
		// failovers against none, at etcd's defaults).
		skew = max(skew, tk.Tick)
	}
	if cfg.BootDelays == nil && skew > 0 {
		cfg.BootDelays = make([]time.Duration, s.Nodes)
		for i := range cfg.BootDelays {
			cfg.BootDelays[i] = time.Duration(rng.Int64N(int64(skew) + 1))
		}
	}
	return cfg
}

// Budget sizes. Measured (sim.Cluster events over virtual time, on the
// README's sweeps, both presets, steady, partition under 30% loss, cold
// start with boot skew, fsync with timer jitter): at most 1.9 events per
// ordered peer pair per tick (the shorter of the heartbeat interval and the
// minimum election timeout). A trial may use 32 times that over the
// longest virtual time its scenario can run, and never fewer than
// minBudgetEvents; and twice the tasks its RPCs can hold in flight, and
// never fewer than minBudgetTasks (some 3-8 KB each: 100-250 MB).
const (
	eventsPerPairTick = 64
	minBudgetEvents   = 1 << 20
	minBudgetTasks    = 1 << 15
)

// budget bounds what a trial may cost, proportionally to what its setting
// needs, so that a setting that floods the simulator (which Validate's
// floor keeps out of sweeps, but RunTrial takes any setting) ends as a
// failed trial (see budgetFailure) rather than an exhausted machine.
func (t Trial) budget() sim.Budget {
	s, o := t.Setting, t.Options
	// Below the floor the estimate would grow without bound with the
	// flood it is meant to stop.
	tick := max(min(s.Interval, s.TimeoutMin), MinTiming)
	// The longest a scenario runs: five waits of up to Limit (settle, the
	// round to crash after, the measured phase, the cluster made whole,
	// the quiet window's first round), a few intervals, the quiet window.
	span := 5*float64(o.Limit) + 3*float64(s.Interval) + float64(o.BootSkew)
	if o.Scenario.long() {
		span += float64(o.Duration)
	} else {
		span += float64(o.Quiet)
	}
	n := float64(s.Nodes)
	events := max(eventsPerPairTick*n*n*(span/float64(tick)+1), minBudgetEvents)
	// A call's task lives its round trip and the writes on its path, or
	// the RPC timeout if it fails; a request slower than the timeout
	// arrives from a task of its own.
	rpcTimeout := o.RPCTimeout
	if rpcTimeout == 0 {
		rpcTimeout = sim.DefaultRPCTimeout
	}
	var latency, write time.Duration
	if s.Latency != nil {
		latency = s.Latency.MeanDelay()
	}
	if o.Fsync != nil {
		write = o.Fsync.MeanDelay()
	}
	life := float64(max(rpcTimeout, 2*latency+3*write+o.TimerJitter) + 2*latency)
	tasks := max(2*(n*(n-1)*(life/float64(tick)+1)+4*n), minBudgetTasks)
	b := sim.Budget{Events: math.MaxUint64, Tasks: math.MaxInt}
	if events < math.MaxUint64/2 {
		b.Events = uint64(events)
	}
	if tasks < math.MaxInt/2 {
		b.Tasks = int(tasks)
	}
	return b
}

// budgetFailure records a trial stopped by its budget as a failed trial.
func (run *runner) budgetFailure(be *sim.BudgetError) {
	why := "the trial " + be.Error() + ": its peers start work far faster than it completes (timings far below the network's latency?)"
	if run.r.Outcome == NotStarted {
		run.notStarted(why)
	} else {
		run.fail(why)
	}
}

// RunTrial runs one trial. The error reports a broken run (a safety
// violation, a stuck simulation), never a slow one: a trial that does not
// converge is a Result with Outcome NotConverged, and one that never
// reached its measured phase has Outcome NotStarted; one that exceeded its
// budget of events or live tasks is either, with the budget as its Failure.
func RunTrial(t Trial) (Result, []sim.Event, error) {
	return RunTrialContext(context.Background(), t)
}

// RunTrialContext is RunTrial stopped, within an event of the simulation,
// when ctx is done: its error then wraps sim.ErrCancelled. Cancellation only
// aborts; a trial that finishes is the same as RunTrial's.
func RunTrialContext(ctx context.Context, t Trial) (Result, []sim.Event, error) {
	// The scenario's own random choices (crash time, boot skew) come from a
	// stream separate from the cluster's, both fixed by the trial's seed.
	rng := rand.New(rand.NewPCG(t.Seed, 0x5ce7a810))
	cfg := t.simConfig(rng)
	span := t.startTrace(&cfg)
	c, cleanup, err := t.newCluster(cfg)
	if err != nil {
		return Result{}, nil, err
	}
	defer cleanup()
	defer c.Stop()
	defer context.AfterFunc(ctx, c.Cancel)()
	// A trial is not started until its measured phase begins.
	r := Result{Point: t.Point, Trial: t.Index, Seed: t.Seed, Outcome: NotStarted,
		Elected: NotReached, Stable: NotReached, Heal: NotReached, CrashOffset: NotReached, Stale: NotReached}
	run := runner{t: t, c: c, rng: rng, r: &r, trace: span}
	switch t.Options.Scenario {
	case ColdStart:
		run.coldStart()
	case LeaderCrash:
		run.leaderCrash()
	case Partition:
		run.partition()
	case Steady:
		run.steady()
	case FollowerRejoin:
		run.followerRejoin()
	case OneWay:
		run.oneWay()
	default:
		return Result{}, nil, fmt.Errorf("unknown scenario %q", t.Options.Scenario)
	}
	be := budgetStop(c.Err())
	if be != nil {
		run.budgetFailure(be)
	}
	r.Run = c.Now()
	r.Total = c.Stats()
	if u, ok := c.(interface{ ClockUncertainty() time.Duration }); ok {
		r.ClockUncertainty = u.ClockUncertainty()
	}
	c.Stop() // in-flight RPCs end their spans before the trial's does
	span.finish(c, r)
	if be != nil {
		return r, c.Events(), nil
	}
	if err := c.Err(); err != nil {
		return r, c.Events(), fmt.Errorf("trial seed %d (%v): %w", t.Seed, t.Setting, err)
	}
	return r, c.Events(), nil
}

type runner struct {
	t     Trial
	c     Cluster
	rng   *rand.Rand
	r     *Result
	trace *trialSpan // told where the trial is: what its peers record
}

// fail records a measured phase that did not converge.
func (run *runner) fail(why string) { run.r.Outcome, run.r.Failure = NotConverged, why }

// notStarted records a trial that never reached its measured phase.
func (run *runner) notStarted(why string) { run.r.Outcome, run.r.Failure = NotStarted, why }

// measure runs one phase, which began at start (the fault; now, for a cold
// start), until w is stable or the limit passes, and records its times and
// elections relative to start. Injecting a fault into real processes takes
// a moment (a kill is waited for), so the phase starts before the call that
// injects it returns; in virtual time no time passes in between.
func (run *runner) measure(w *watch, start time.Duration) bool {
	before := run.c.Stats()
	run.trace.measuring(start, before)
	ok := run.c.RunUntil(run.t.Options.Limit, w.observe)
	if w.elected {
		run.r.Elected = w.electedAt - start
	}
	if w.stable {
		run.r.Stable = w.stableAt - start
	}
	run.r.Rounds, run.r.FailedRounds, run.r.SplitVotes = w.rounds()
	run.r.Window = subStats(run.c.Stats(), before)
	run.r.Phase = run.c.Now() - start
	run.r.Outcome = Converged
	if !ok {
		if w.elected {
			run.fail(fmt.Sprintf("a leader was elected but not heard by every live peer within %v", run.t.Options.Limit))
		} else {
			run.fail(fmt.Sprintf("no leader within %v", run.t.Options.Limit))
		}
	}
	return ok
}

// settle waits for a stable leader before a fault is injected and returns
// it, its term and when it was elected.
func (run *runner) settle() (leader, term int, ok bool) {
	w := newWatch(run.t.Setting.Nodes, 0, nil)
	if !run.c.RunUntil(run.t.Options.Limit, w.observe) {
		run.notStarted(fmt.Sprintf("no stable leader to inject the fault into within %v", run.t.Options.Limit))
		return 0, 0, false
	}
	term = w.stableTerm
	return w.leaderOf[term], term, true
}

func (run *runner) coldStart() {
	w := newWatch(run.t.Setting.Nodes, 0, nil)
	if run.measure(w, run.c.Now()) {
		run.quiet(run.t.Options.Quiet, false)
	}
}

// quiet runs about d without faults after a converged phase, counting the
// elections that should not happen and the RPCs a healthy cluster costs.
//
// If a peer has just come back (rejoin: restarted after a crash, or the old
// leader of a healed partition), the window starts only once the cluster is
// whole, so that every scenario reports the rates of a healthy cluster of
// all its peers: with a peer missing, fewer peers can time out and spurious
// elections are under-counted, and what a returning peer does before it has
// caught up (it may time out before it first hears the leader) is the cost
// of its return, not of fault-free running.
//
// The window holds whole heartbeat intervals and starts half an interval
// after a heartbeat round, so it holds exactly one start of every periodic
// round and none sits on its edges. A window of arbitrary length starting
// just after a round (as the phase's end always is) holds floor(d/interval)
// rounds and under-counts the heartbeat rate: 52.0 instead of 53.3 RPC/s for
// 4 followers at 75ms in 2s. d is rounded up to whole intervals.
func (run *runner) quiet(d time.Duration, rejoin bool) {
	run.trace.measured()
	if d <= 0 {
		return
	}
	if rejoin && !run.whole() {
		return // not whole within the limit: no fault-free window
	}
	term := -1
	round := run.c.RunUntil(run.t.Options.Limit, func(e sim.Event) bool {
		if term < 0 && e.Kind == sim.HeartbeatRound {
			term = e.Term
		}
		return term >= 0
	})
	if !round {
		return
	}
	interval := run.t.Setting.Interval
	run.c.RunFor(interval / 2)
	d = (d + interval - 1) / interval * interval
	w := newWatch(run.t.Setting.Nodes, term, nil)
	start, before := run.c.Now(), run.c.Stats()
	run.trace.window(start)
	run.c.RunUntil(d, func(e sim.Event) bool { w.observe(e); return false })
	run.r.QuietElections, _, _ = w.rounds()
	run.r.QuietLeaderChanges = w.leaders()
	run.r.Quiet = subStats(run.c.Stats(), before)
	run.r.QuietRun = run.c.Now() - start
}

// whole runs until every peer has accepted a heartbeat from one leader, of
// the newest term or a later one, and reports whether that happened within
// the limit.
func (run *runner) whole() bool {
	term := run.newestTerm()
	w := newWatch(run.t.Setting.Nodes, term-1, nil)
	if leader, ok := run.c.Leader(); ok {
		if lt, _ := run.c.State(leader); lt == term {
			w.leaderOf[term] = leader
		}
	}
	return run.c.RunUntil(run.t.Options.Limit, w.observe)
}

// notQuiet says why the cluster is not quiet for a fault on the leader of
// term, or returns "" if it is: the leader still leads that term and no live
// peer has moved to a later one. Under loss or timer jitter a follower that
// missed heartbeats can already be a candidate in a later term while the
// leader still believes it leads; an election it wins soon after the fault
// began before the fault, and timing it as a failover reported failovers
// shorter than the election timeout, with no election round in the phase.
//
// Such a trial is recorded as not started rather than retried until the
// cluster is quiet: waiting would make the fault's time depend on the
// retries (no longer a uniform point after a synchronized round) and would
// hide how often it happens; one attempt per trial keeps both honest, and
// the not-started count says how often a lossy cluster was already electing.
func (run *runner) notQuiet(leader, term int) string {
	if cur, lead := run.c.State(leader); !lead || cur != term {
		return "the leader had lost its term (loss or jitter deposed it)"
	}
	for i := range run.t.Setting.Nodes {
		if cur, _ := run.c.State(i); run.c.Alive(i) && cur > term {
			return fmt.Sprintf("an election had begun: peer %d was in term %d, the leader in %d", i, cur, term)
		}
	}
	return ""
}

func (run *runner) leaderCrash() {
	interval := run.t.Setting.Interval
	leader, term, ok := run.settle()
	if !ok {
		return
	}
	// Take the leader's next heartbeat round as the synchronized one and
	// crash the leader at a uniformly random point of the interval that
	// follows it; its messages already in flight still arrive. The round is
	// observed, not predicted, so timer jitter cannot misplace it.
	var round time.Duration
	sent := run.c.RunUntil(run.t.Options.Limit, func(e sim.Event) bool {
		round = e.At
		return e.Kind == sim.HeartbeatRound && e.Peer == leader && e.Term == term
	})
	if !sent {
		run.notStarted("the leader sent no heartbeat round to crash after")
		return
	}
	// The offset counts from the round itself, as the leader stamped it:
	// real processes report a round a little after it happened, and the
	// crash must not land later in the interval for that (in virtual time
	// the round is now).
	offset := time.Duration(run.rng.Int64N(int64(interval)))
	if wait := round + offset - run.c.Now(); wait > 0 {
		run.c.RunFor(wait)
	}
	if why := run.notQuiet(leader, term); why != "" {
		run.notStarted(why + " at the crash")
		return
	}
	crashAt := run.c.Now()
	if err := run.c.Crash(leader); err != nil {
		run.notStarted(err.Error())
		return
	}
	run.r.CrashOffset = crashAt - round // the offset drawn, or later if the report of the round came late
	live := make([]bool, run.t.Setting.Nodes)
	for i := range live {
		live[i] = run.c.Alive(i)
	}
	w := newWatch(run.t.Setting.Nodes, term, live)
	if !run.measure(w, crashAt) || run.t.Options.Quiet <= 0 {
		return
	}
	// The crashed peer comes back (with its persisted term and vote) for
	// the fault-free window, which measures the whole cluster.
	if err := run.c.Restart(leader); err != nil {
		panic(fmt.Sprintf("bench: restarting the crashed leader: %v", err))
	}
	run.quiet(run.t.Options.Quiet, true)
}

func (run *runner) partition() {
	leader, term, ok := run.settle()
	if !ok {
		return
	}
	if why := run.notQuiet(leader, term); why != "" {
		run.notStarted(why + " at the partition")
		return
	}
	n := run.t.Setting.Nodes
	majority := make([]bool, n)
	var others []int
	for i := range n {
		if i != leader {
			majority[i] = true
			others = append(others, i)
		}
	}
	cutAt := run.c.Now()
	if err := run.c.Partition([]int{leader}, others); err != nil {
		run.notStarted(err.Error())
		return
	}
	// The isolated leader may step down while cut off (CheckQuorum) or
	// only once it hears of a newer term after the heal.
	steppedDown := func(e sim.Event) bool {
		return e.Kind == sim.StateChange && e.Peer == leader && e.Role != raft.Leader
	}
	downAt := time.Duration(-1)
	w := newWatch(n, term, majority)
	w.also = func(e sim.Event) {
		if downAt < 0 && steppedDown(e) {
			downAt = e.At
		}
	}
	if !run.measure(w, cutAt) {
		return
	}
	run.c.Heal()
	healedAt := run.c.Now()
	if downAt >= 0 {
		run.r.Heal = 0 // it had stepped down before the heal
	} else {
		done := run.c.RunUntil(run.t.Options.Limit, func(e sim.Event) bool {
			if steppedDown(e) {
				downAt = e.At
				return true
			}
			return false
		})
		if !done {
			run.fail(fmt.Sprintf("the old leader did not step down within %v of the heal", run.t.Options.Limit))
			return
		}
		run.r.Heal = downAt - healedAt
	}
	run.r.Stale = downAt - cutAt
	run.quiet(run.t.Options.Quiet, true)
}

// newestTerm is the highest term any live peer is in.
func (run *runner) newestTerm() int {
	newest := 0
	for i := range run.t.Setting.Nodes {
		if term, _ := run.c.State(i); run.c.Alive(i) && term > newest {
			newest = term
		}
	}
	return newest
}

// steady is a cold start followed by a long quiet window.
func (run *runner) steady() {
	w := newWatch(run.t.Setting.Nodes, 0, nil)
	if run.measure(w, run.c.Now()) {
		run.quiet(run.t.Options.Duration, false)
	}
}

// budgetStop is the budget a trial's run ran out of, if that is all that
// went wrong: it is then the trial's failure. A broken safety rule is the
// run's error whatever else happened, so with one it is nil.
func budgetStop(err error) *sim.BudgetError {
	var be *sim.BudgetError
	var broken *sim.SafetyError
	if errors.As(err, &be) && !errors.As(err, &broken) {
		return be
	}
	return nil
}

// followerRejoin isolates a follower, heals, and measures the rejoin: until
// every peer has heard a leader of the newest term, and how many leaders
// that took (none, when the follower rejoins without a higher term).
func (run *runner) followerRejoin() {
	leader, term, ok := run.settle()
	if !ok {
		return
	}
	if why := run.notQuiet(leader, term); why != "" {
		run.notStarted(why + " at the isolation")
		return
	}
	n := run.t.Setting.Nodes
	follower := (leader + 1 + int(run.rng.Int64N(int64(n-1)))) % n
	var others []int
	for i := range n {
		if i != follower {
			others = append(others, i)
		}
	}
	if err := run.c.Partition([]int{follower}, others); err != nil {
		run.notStarted(err.Error())
		return
	}
	// Long enough for the follower to time out at least once.
	run.c.RunFor(2 * run.t.Setting.Raft(run.t.Options).ElectionTimeoutMax)
	healAt := run.c.Now()
	run.c.Heal()
	newest := run.newestTerm()
	w := newWatch(n, newest-1, nil)
	known := 0
	if cur, ok := run.c.Leader(); ok {
		if lt, _ := run.c.State(cur); lt == newest {
			w.leaderOf[newest] = cur // a leader of the newest term needs only to be heard
			known = 1
		}
	}
	ok = run.measure(w, healAt)
	run.r.LeaderChanges = w.leaders() - known
	if ok {
		run.quiet(run.t.Options.Quiet, false)
	}
}

// oneWay settles a cluster, cuts the link from its leader to one follower
// in that direction only, and counts the elections and leader changes over
// -duration.
func (run *runner) oneWay() {
	w := newWatch(run.t.Setting.Nodes, 0, nil)
	if !run.measure(w, run.c.Now()) {
		return
	}
	leader, ok := run.c.Leader()
	if !ok {
		return
	}
	n := run.t.Setting.Nodes
	follower := (leader + 1 + int(run.rng.Int64N(int64(n-1)))) % n
	if err := run.c.CutLink(leader, follower); err != nil {
		run.fail(err.Error())
		return
	}
	run.quiet(run.t.Options.Duration, false)
}
