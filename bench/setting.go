package bench

import (
	"fmt"
	"runtime"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
)

// Setting is one point of a sweep: the knobs under study and the network.
type Setting struct {
	Interval   time.Duration // heartbeat interval
	TimeoutMin time.Duration // election timeout range
	TimeoutMax time.Duration
	Nodes      int
	Latency    sim.Latency // one-way
	Loss       float64
	// TimeoutSpec is the election-timeout range as the user wrote it
	// ("2x..4x", "150ms..300ms"); charts group settings by it. Empty: the
	// resolved range.
	TimeoutSpec string
	// Trials overrides Options.Trials for this setting (0: use Options).
	Trials int
	// Variant is the protocol bundle the peers run (zero: the paper's).
	Variant Variant
}

// TimeoutLabel names the setting's election-timeout range for people.
func (s Setting) TimeoutLabel() string {
	if s.TimeoutSpec != "" {
		return s.TimeoutSpec
	}
	return fmt.Sprintf("%v..%v", s.TimeoutMin, s.TimeoutMax)
}

// TrialsFor is how many trials setting s gets: its own Trials, or else
// o.Trials.
func (o Options) TrialsFor(s Setting) int {
	if s.Trials > 0 {
		return s.Trials
	}
	return o.Trials
}

// TotalTrials is how many trials the settings get in all.
func (o Options) TotalTrials(settings []Setting) int {
	first := o.firstTrials(settings)
	return first[len(settings)]
}

// firstTrials numbers a sweep's trials setting by setting: element p is
// setting p's first trial, the last element the total.
func (o Options) firstTrials(settings []Setting) []int {
	first := make([]int, len(settings)+1)
	for p, s := range settings {
		first[p+1] = first[p] + o.TrialsFor(s)
	}
	return first
}

func (s Setting) String() string {
	text := fmt.Sprintf("interval %v, timeout %v..%v, %d nodes, latency %v, loss %g",
		s.Interval, s.TimeoutMin, s.TimeoutMax, s.Nodes, s.Latency, s.Loss)
	if s.Variant.orPaper() != VariantPaper {
		text += ", variant " + s.Variant.String()
	}
	return text
}

// Raft is the peers' configuration for this setting under o, its variant's
// options applied.
func (s Setting) Raft(o Options) raft.Config {
	cfg := raft.Config{HeartbeatInterval: s.Interval, ElectionTimeoutMin: s.TimeoutMin, ElectionTimeoutMax: s.TimeoutMax,
		ElectionTimeoutResolution: o.TimeoutResolution}
	s.Variant.apply(&cfg)
	return cfg
}

// Options are what every trial of a run shares.
type Options struct {
	Scenario Scenario
	Trials   int    // per setting
	Seed     uint64 // the run's seed; each trial's seed derives from it
	Parallel int    // workers; results do not depend on it
	Runtime  sim.RuntimeKind
	// Eligible is how many peers hold up-to-date logs (0: all). The others
	// cannot win an election, as in the Raft paper's failover measurement.
	Eligible int
	// BootSkew boots each peer at a uniformly random time in [0, BootSkew].
	BootSkew time.Duration
	// Duration is how long a steady trial runs after its first stable leader.
	Duration time.Duration
	// Quiet is how long every other trial runs on, fault-free, after its
	// measured phase converged, to count spurious elections and measure the
	// steady-state RPC rate (0: no quiet window). The window measures the
	// whole cluster (a crashed leader restarts first) and is rounded up to
	// whole heartbeat intervals; see runner.quiet.
	Quiet time.Duration
	// Limit bounds each wait of a trial (for a leader, for stability); a
	// trial that does not converge within it is recorded as not converged.
	Limit time.Duration
	// Fsync is how long one write of a peer's term and vote takes (nil:
	// instant); see sim.Config.Fsync for where it is paid.
	Fsync      sim.Latency
	RPCTimeout time.Duration
	// TimerJitter lets peers' timers fire up to this late (see sim.Config).
	TimerJitter time.Duration
	// TimeoutResolution draws election timeouts in whole steps of this size
	// (see raft.Config.ElectionTimeoutResolution; 0: any nanosecond).
	TimeoutResolution time.Duration
	// Trace, if not nil, records spans for the first TraceTrials trials of
	// every setting. Not part of result files: it changes no result.
	Trace       *TraceConfig
	TraceTrials int
	// Processes starts the peers of a Runtime sim.Process run.
	Processes *Processes
	// Shard, if not whole, runs only this share of the sweep's trials.
	Shard Shard
}

// Provenance says where a run's figures come from: "simulated" (the
// simulator, in virtual or wall-clock time) or "measured" (real peer
// processes: what the machine did, not a model's prediction).
func (o Options) Provenance() string {
	if o.Runtime == sim.Process {
		return "measured"
	}
	return "simulated"
}

// RuntimeText names the runtime for a reader: where the figures come from.
func (o Options) RuntimeText() string {
	switch o.Runtime {
	case sim.Realtime:
		return "real time (the simulator on the wall clock)"
	case sim.Process:
		return "real peer processes (measured)"
	}
	return "virtual time"
}

// FsyncLabel is the fsync model as the -fsync flag takes it ("0s": instant).
func (o Options) FsyncLabel() string {
	if o.Fsync == nil {
		return "0s"
	}
	return o.Fsync.String()
}

// DefaultTraceTrials is how many trials of each setting a traced run
// records (Options.TraceTrials): a few per setting show the pattern
// without flooding a trace viewer. (A traced trial costs about 2.5 times
// an untraced one, 7 with TraceConfig.All; see BenchmarkTrialTracing.)
const DefaultTraceTrials = 3

// DefaultOptions are the CLI's defaults (tracing off).
func DefaultOptions() Options {
	return Options{
		Scenario: LeaderCrash,
		Trials:   200,
		Seed:     1,
		Parallel: runtime.NumCPU(), // results do not depend on it
		Duration: 10 * time.Minute,
		Quiet:    2 * time.Second,
		Limit:    30 * time.Second,
	}
}

// MinTiming is the shortest heartbeat interval and election timeout a
// setting may have. Real peers cannot keep a shorter period: a LAN round
// trip is about 0.1ms and an operating system's timers fire some 0.1ms
// late, so below 1ms every heartbeat is lost in that noise; etcd counts
// both in whole milliseconds and hashicorp/raft refuses timeouts under
// 5ms. In the simulator a period far below the latency starts RPCs faster
// than they complete, and a trial's work and memory grow without bound.
const MinTiming = time.Millisecond

// floorReason says why MinTiming is the floor, in one line for an error.
const floorReason = "a LAN round trip alone is about 0.1ms and timers fire up to 0.1ms late, so no real Raft keeps a shorter period (etcd counts in whole milliseconds, hashicorp/raft refuses under 5ms)"

// Validate checks a setting against the options it will run with.
func (s Setting) Validate(o Options) error {
	if s.Interval < MinTiming {
		return fieldError("interval", s.Interval, "heartbeat interval %v is below the %v floor: %s; want %v or more", s.Interval, MinTiming, floorReason, MinTiming)
	}
	if s.TimeoutMin < MinTiming {
		return fieldError("election-timeout", s.TimeoutLabel(), "election timeout %v..%v starts below the %v floor: %s; want a minimum of %v or more", s.TimeoutMin, s.TimeoutMax, MinTiming, floorReason, MinTiming)
	}
	if err := s.Raft(o).Validate(); err != nil {
		return &FieldError{Field: "election-timeout", Value: s.TimeoutLabel(), Err: err}
	}
	if s.Trials < 0 {
		return fieldError("trials", s.Trials, "want at least 1")
	}
	return o.checkNodes(s.Nodes)
}

// checkNodes says whether the scenario and the eligible count can work on a
// cluster of n, naming "nodes" or "eligible", whichever is at fault.
func (o Options) checkNodes(n int) error {
	if n < 1 {
		return fieldError("nodes", n, "%d nodes; want at least 1", n)
	}
	if (o.Scenario == LeaderCrash || o.Scenario == Partition) && n < 3 {
		return fieldError("nodes", n, "nodes is %d; %s needs at least 3, or the peers left after the fault are no majority", n, o.Scenario)
	}
	if o.Eligible > n {
		return fieldError("eligible", o.Eligible, "eligible is %d but the cluster has %d nodes; want a majority, %d..%d (or 0 for all)", o.Eligible, n, n/2+1, n)
	}
	if o.Eligible > 0 && o.Eligible <= n/2 {
		// Stale peers could then elect one of their own.
		return fieldError("eligible", o.Eligible, "eligible is %d of %d nodes; want a majority, %d..%d, so that stale peers cannot win (or 0 for all)", o.Eligible, n, n/2+1, n)
	}
	return nil
}

// Validate checks the options that do not depend on a setting.
func (o Options) Validate() error {
	if _, err := ParseScenario(string(o.Scenario)); err != nil {
		return &FieldError{Field: "scenario", Value: string(o.Scenario), Err: err}
	}
	checks := []struct {
		field string
		value any
		bad   bool
		want  string
	}{
		{"trials", o.Trials, o.Trials < 1, "want at least 1"},
		{"parallel", o.Parallel, o.Parallel < 1, "want at least 1"},
		{"eligible", o.Eligible, o.Eligible < 0, "want 0 (all) or a number of nodes"},
		{"rpc-timeout", o.RPCTimeout, o.RPCTimeout < 0, "want 0 (default) or a positive duration"},
		{"boot-skew", o.BootSkew, o.BootSkew < 0, "want 0 or a positive duration"},
		// Only steady runs for Duration, but no run can use one that is not positive.
		{"duration", o.Duration, o.Duration <= 0, "want a positive duration such as 10m"},
		{"limit", o.Limit, o.Limit <= 0, "want a positive duration such as 30s"},
		{"quiet", o.Quiet, o.Quiet < 0, "want 0 (none) or a positive duration"},
		{"timer-jitter", o.TimerJitter, o.TimerJitter < 0, "want 0 or a positive duration"},
		{"timeout-resolution", o.TimeoutResolution, o.TimeoutResolution < 0, "want 0 (any nanosecond) or a step such as 1ms"},
		{"trace-trials", o.TraceTrials, o.TraceTrials < 0, "want 0 or more"},
		{"shard", o.Shard.String(), o.Shard.validate() != nil, "want K/N, K in 0..N-1, such as 0/8"},
	}
	for _, c := range checks {
		if c.bad {
			return fieldError(c.field, c.value, "%s", c.want)
		}
	}
	if o.Fsync != nil {
		if err := o.Fsync.Validate(); err != nil {
			return &FieldError{Field: "fsync", Value: o.FsyncLabel(), Err: err}
		}
	}
	if o.Runtime == sim.Process {
		// Real processes pay the real costs; a model on top would count
		// them twice.
		if o.Fsync != nil {
			return fieldError("fsync", o.FsyncLabel(), "with -runtime process the peers sync a real file, so the disk's own fsync is what they pay; drop -fsync (raftbench probe measures it, for the simulator)")
		}
		if o.TimerJitter != 0 {
			return fieldError("timer-jitter", o.TimerJitter, "with -runtime process the peers' timers are the operating system's, late as they are; drop -timer-jitter")
		}
	}
	return nil
}

// Warnings lists what makes the setting valid but hopeless under o: the
// peers' own (raft.Config.Warnings), and a timeout or an RPC timeout
// shorter than a round trip.
func (s Setting) Warnings(o Options) []string {
	cfg := s.Raft(o)
	w := cfg.Warnings()
	if cfg.HeartbeatInterval != s.Interval {
		w = append(w, fmt.Sprintf("variant %s heartbeats every %v, not every -interval %v (see -variant in -h)", s.Variant, cfg.HeartbeatInterval, s.Interval))
	}
	var rtt time.Duration
	if s.Latency != nil {
		rtt = 2 * s.Latency.MeanDelay()
	}
	if s.TimeoutMin < rtt {
		w = append(w, fmt.Sprintf("ElectionTimeoutMin (%v) is below the mean round trip (%v) of latency %v: peers will time out before any vote comes back", s.TimeoutMin, rtt, s.Latency))
	}
	var write time.Duration
	if o.Fsync != nil {
		write = 2 * o.Fsync.MeanDelay() // a voter adopting a newer term writes twice
		if election := rtt + 3*o.Fsync.MeanDelay(); election >= s.TimeoutMin {
			w = append(w, fmt.Sprintf("an election (a candidate's write, a voter's two writes and a round trip: %v on average with fsync %v) does not fit in ElectionTimeoutMin (%v): peers will time out before the votes come back", election, o.Fsync, s.TimeoutMin))
		}
	}
	if o.RPCTimeout > 0 && o.RPCTimeout < rtt+write {
		w = append(w, fmt.Sprintf("rpc-timeout (%v) is below a round trip plus a voter's two writes (%v): most calls will fail", o.RPCTimeout, rtt+write))
	}
	return w
}
