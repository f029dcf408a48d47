package main

import (
	"fmt"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/sim"
	"github.com/spf13/pflag"
)

// A preset is a ready-made experiment. The two here reproduce the Raft
// paper's failover measurement (Ongaro and Ousterhout, 2014, §9.3, Figure
// 16): five servers with a broadcast time of about 15 ms, the heartbeat
// interval half the minimum election timeout, the leader crashed uniformly
// within its heartbeat interval after a synchronized heartbeat, and two of
// the four survivors unable to win because their logs are stale.
type preset struct {
	name, about string
	timeouts    [][2]time.Duration
}

var presets = []preset{
	{"raft-paper", "Figure 16 top: 150ms minimum timeout, growing randomness",
		[][2]time.Duration{{150, 150}, {150, 151}, {150, 155}, {150, 175}, {150, 200}, {150, 300}}},
	{"raft-paper-scaled", "Figure 16 bottom: the timeout range scaled down",
		[][2]time.Duration{{12, 24}, {25, 50}, {50, 100}, {100, 200}, {150, 300}}},
}

const (
	paperTrials     = 1000 // per line
	paperZeroWidth  = 100  // for the 150-150ms line, as in the paper
	paperNodes      = 5
	paperEligible   = 3 // the crashed leader and two of the four survivors
	paperLimit      = time.Minute
	paperPersist    = 5 * time.Millisecond
	paperLatencyDev = time.Millisecond
	// paperTimerJitter models the real servers' timer and scheduling lag
	// (the real-time runtime's timers wake about 0.4ms late on average
	// here). Without any, peers that time out in step stay in step, and the
	// zero-width line splits its votes forever.
	paperTimerJitter = time.Millisecond
)

// paperLatency makes a round trip of about 10ms, which with the 5ms persist
// before a vote reply gives the paper's 15ms broadcast time. The jitter
// matters: with none, peers that time out together would split the vote
// forever in the zero-width case.
var paperLatency = sim.Normal{Mean: 5 * time.Millisecond, StdDev: paperLatencyDev}

// presetFixed lists the flags a preset sets, which the user may not also set.
var presetFixed = []string{"interval", "election-timeout", "nodes", "latency", "loss", "scenario", "eligible", "persist-delay"}

func presetSweep(v *flagValues, fs *pflag.FlagSet) (*sweepSpec, error) {
	var chosen *preset
	for i := range presets {
		if presets[i].name == v.preset {
			chosen = &presets[i]
		}
	}
	if chosen == nil {
		return nil, flagError("preset", v.preset, fmt.Errorf("unknown preset; want raft-paper or raft-paper-scaled"))
	}
	for _, name := range presetFixed {
		if fs.Changed(name) {
			return nil, flagError(name, fs.Lookup(name).Value.String(), fmt.Errorf("-preset %s sets this; drop one of them", chosen.name))
		}
	}
	o, err := commonOptions(v, fs)
	if err != nil {
		return nil, err
	}
	o.Scenario, o.Eligible, o.Fsync = bench.LeaderCrash, paperEligible, sim.Constant{D: paperPersist}
	if !fs.Changed("limit") {
		o.Limit = paperLimit // the zero-width line has long split-vote tails
	}
	if !fs.Changed("timer-jitter") {
		o.TimerJitter = paperTimerJitter
	}
	spec := &sweepSpec{options: o}
	for _, t := range chosen.timeouts {
		lo, hi := t[0]*time.Millisecond, t[1]*time.Millisecond
		interval := lo / 2
		s := bench.Setting{Interval: interval, TimeoutMin: lo, TimeoutMax: hi, Nodes: paperNodes, Latency: paperLatency,
			TimeoutSpec: fmt.Sprintf("%v..%v", lo, hi)}
		if !fs.Changed("trials") {
			s.Trials = paperTrials
			if lo == hi {
				s.Trials = paperZeroWidth
			}
		}
		spec.settings = append(spec.settings, s)
		spec.intervals = append(spec.intervals, interval)
		spec.timeouts = append(spec.timeouts, timeoutRange{min: lo, max: hi})
	}
	return spec, nil
}
