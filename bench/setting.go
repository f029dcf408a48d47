package bench

import (
	"fmt"
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
}

// TimeoutLabel names the setting's election-timeout range for people.
func (s Setting) TimeoutLabel() string {
	if s.TimeoutSpec != "" {
		return s.TimeoutSpec
	}
	return fmt.Sprintf("%v..%v", s.TimeoutMin, s.TimeoutMax)
}

// trials is how many trials this setting gets.
func (s Setting) trials(o Options) int {
	if s.Trials > 0 {
		return s.Trials
	}
	return o.Trials
}

func (s Setting) String() string {
	return fmt.Sprintf("interval %v, timeout %v..%v, %d nodes, latency %v, loss %g",
		s.Interval, s.TimeoutMin, s.TimeoutMax, s.Nodes, s.Latency, s.Loss)
}

// Raft is the peers' configuration for this setting under o.
func (s Setting) Raft(o Options) raft.Config {
	return raft.Config{HeartbeatInterval: s.Interval, ElectionTimeoutMin: s.TimeoutMin, ElectionTimeoutMax: s.TimeoutMax,
		ElectionTimeoutResolution: o.TimeoutResolution}
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
}

// FsyncLabel is the fsync model as the -fsync flag takes it ("0s": instant).
func (o Options) FsyncLabel() string {
	if o.Fsync == nil {
		return "0s"
	}
	return o.Fsync.String()
}

// DefaultOptions are the CLI's defaults.
func DefaultOptions() Options {
	return Options{
		Scenario: LeaderCrash,
		Trials:   200,
		Seed:     1,
		Parallel: 1,
		Duration: 10 * time.Minute,
		Quiet:    2 * time.Second,
		Limit:    30 * time.Second,
	}
}

// Validate checks a setting against the options it will run with.
func (s Setting) Validate(o Options) error {
	if err := s.Raft(o).Validate(); err != nil {
		return err
	}
	if s.Trials < 0 {
		return fmt.Errorf("trials is %d; want at least 1", s.Trials)
	}
	if s.Nodes < 1 {
		return fmt.Errorf("nodes is %d; want at least 1", s.Nodes)
	}
	if _, err := o.CheckNodes(s.Nodes); err != nil {
		return err
	}
	return nil
}

// CheckNodes says whether the scenario and the eligible count can work on a
// cluster of n, and which of "nodes" and "eligible" is at fault if not.
func (o Options) CheckNodes(n int) (field string, err error) {
	if (o.Scenario == LeaderCrash || o.Scenario == Partition) && n < 3 {
		return "nodes", fmt.Errorf("nodes is %d; %s needs at least 3, or the peers left after the fault are no majority", n, o.Scenario)
	}
	if o.Eligible > n {
		return "eligible", fmt.Errorf("eligible is %d but the cluster has %d nodes; want a majority, %d..%d (or 0 for all)", o.Eligible, n, n/2+1, n)
	}
	if o.Eligible > 0 && o.Eligible <= n/2 {
		// Stale peers could then elect one of their own.
		return "eligible", fmt.Errorf("eligible is %d of %d nodes; want a majority, %d..%d, so that stale peers cannot win (or 0 for all)", o.Eligible, n, n/2+1, n)
	}
	return "", nil
}

// Validate checks the options that do not depend on a setting.
func (o Options) Validate() error {
	switch {
	case o.Trials < 1:
		return fmt.Errorf("trials is %d; want at least 1", o.Trials)
	case o.Parallel < 1:
		return fmt.Errorf("parallel is %d; want at least 1", o.Parallel)
	case o.Eligible < 0:
		return fmt.Errorf("eligible is %d; want 0 (all) or a number of nodes", o.Eligible)
	case o.BootSkew < 0:
		return fmt.Errorf("boot-skew is %v; want 0 or more", o.BootSkew)
	case o.Scenario == Steady && o.Duration <= 0:
		return fmt.Errorf("duration is %v; want a positive duration such as 10m", o.Duration)
	case o.Quiet < 0:
		return fmt.Errorf("quiet is %v; want 0 or more", o.Quiet)
	case o.Limit <= 0:
		return fmt.Errorf("limit is %v; want a positive duration such as 30s", o.Limit)
	case o.TimeoutResolution < 0:
		return fmt.Errorf("timeout-resolution is %v; want 0 or a step such as 1ms", o.TimeoutResolution)
	case o.TimerJitter < 0:
		return fmt.Errorf("timer-jitter is %v; want 0 or more", o.TimerJitter)
	case o.RPCTimeout < 0:
		return fmt.Errorf("rpc-timeout is %v; want 0 (default) or more", o.RPCTimeout)
	}
	if o.Fsync != nil {
		if err := o.Fsync.Validate(); err != nil {
			return fmt.Errorf("fsync: %w", err)
		}
	}
	if _, err := ParseScenario(string(o.Scenario)); err != nil {
		return err
	}
	return nil
}
