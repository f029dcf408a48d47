package bench

import (
	"fmt"
	"slices"
	"time"

	"github.com/raftbench/raftbench/sim"
)

// Grid is a sweep: every combination of its values is one Setting. Each
// axis is a flag.Value in the range and list syntax of ranges.go.
type Grid struct {
	Intervals Durations     // heartbeat intervals
	Timeouts  TimeoutRanges // election-timeout ranges, resolved against each interval
	Nodes     NodeCounts
	Latencies Latencies // one-way
	Losses    Losses
	Variants  VariantList // protocol bundles (empty: the paper's)
}

// DefaultGrid is the CLI's default: one setting, a 100ms heartbeat with the
// paper's rule for the timeout (min = 2 x interval, max = 2 x min), five
// nodes, 5ms one-way latency and no loss.
func DefaultGrid() Grid {
	return Grid{
		Intervals: Durations{100 * time.Millisecond},
		Timeouts:  TimeoutRanges{{minX: 2, maxX: 4, multiple: true}},
		Nodes:     NodeCounts{5},
		Latencies: Latencies{Models: []sim.Latency{sim.Constant{D: 5 * time.Millisecond}}},
		Losses:    Losses{0},
		Variants:  VariantList{VariantPaper},
	}
}

// Experiment is a sweep ready to run: its settings, the options they share,
// and what a reader of the run's header needs.
type Experiment struct {
	Settings []Setting
	Options  Options
	// Intervals are the heartbeat intervals in sweep order, without
	// repeats; Timeouts the election-timeout ranges as given.
	Intervals []time.Duration
	Timeouts  []string
	// Warnings are what makes some settings valid but hopeless, each once.
	Warnings []string
}

// TotalTrials is how many trials the experiment's sweep has.
func (e *Experiment) TotalTrials() int { return e.Options.TotalTrials(e.Settings) }

// RunTrials is how many of them this run runs: its shard's share.
func (e *Experiment) RunTrials() int { return e.Options.Shard.Count(e.TotalTrials()) }

// Expand checks o and makes one setting of every combination, in the order
// variant, interval, timeout, nodes, latency, loss (the last varying
// fastest), so that a variant's settings are side by side.
func (g Grid) Expand(o Options) (*Experiment, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Runtime == sim.Process {
		// Trials of real processes share the machine's cores and disk: run
		// side by side they would slow each other's elections down.
		o.Parallel = 1
	}
	e := &Experiment{Options: o}
	for _, tr := range g.Timeouts {
		e.Timeouts = append(e.Timeouts, tr.String())
	}
	variants := g.Variants
	if len(variants) == 0 {
		variants = VariantList{VariantPaper}
	}
	for _, v := range variants {
		for _, iv := range g.Intervals {
			for _, tr := range g.Timeouts {
				lo, hi := tr.Resolve(iv)
				for _, n := range g.Nodes {
					for _, lat := range g.Latencies.Models {
						for _, loss := range g.Losses {
							s := Setting{Interval: iv, TimeoutMin: lo, TimeoutMax: hi, Nodes: n, Latency: lat, Loss: loss, TimeoutSpec: tr.String(), Variant: v}
							if err := e.add(s); err != nil {
								return nil, err
							}
						}
					}
				}
			}
		}
	}
	if len(e.Settings) > maxSweepValues {
		return nil, fmt.Errorf("the sweep has %d settings; at most %d (narrow -interval, -election-timeout, -nodes, -latency or -loss)", len(e.Settings), maxSweepValues)
	}
	return e, nil
}

// add validates s and appends it, with its warnings.
func (e *Experiment) add(s Setting) error {
	if err := s.Validate(e.Options); err != nil {
		return err
	}
	if !slices.Contains(e.Intervals, s.Interval) {
		e.Intervals = append(e.Intervals, s.Interval)
	}
	for _, w := range s.Warnings(e.Options) {
		if !slices.Contains(e.Warnings, w) {
			e.Warnings = append(e.Warnings, w)
		}
	}
	e.Settings = append(e.Settings, s)
	return nil
}
