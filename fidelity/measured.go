package fidelity

import (
	"errors"
	"fmt"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/bench/stats"
	"github.com/raftbench/raftbench/sim"
)

// Measured makes a Reference of a leader-crash run, so that another run —
// the simulator, fed what `raftbench probe` measured — can be set beside it
// as beside LogCabin: typically a run of real peer processes (-runtime
// process), one line per setting. A trial that did not converge counts as
// slower than every other.
func Measured(name string, settings []bench.Setting, o bench.Options, results [][]bench.Result) (Reference, error) {
	if o.Scenario != bench.LeaderCrash {
		return Reference{}, fmt.Errorf("the run is a %s run; want a leader-crash run", o.Scenario)
	}
	source := "measured by raftbench -runtime process"
	if o.Runtime != sim.Process {
		source = "a raftbench run in " + o.RuntimeText()
	}
	ref := Reference{Name: name, Source: source, Eligible: o.Eligible, Simulated: o.Runtime != sim.Process}
	for i, s := range settings {
		if ref.Nodes == 0 {
			ref.Nodes = s.Nodes
		}
		if s.Nodes != ref.Nodes {
			return Reference{}, fmt.Errorf("the run mixes %d and %d nodes; want one cluster size", ref.Nodes, s.Nodes)
		}
		if s.Loss != 0 || i >= len(results) {
			continue
		}
		ms := DowntimesMs(results[i])
		if len(ms) == 0 {
			continue
		}
		all := stats.Quantiles(ms, append(append([]float64(nil), Quantiles...), 1)...)
		ref.Lines = append(ref.Lines, Line{Interval: s.Interval, TimeoutMin: s.TimeoutMin, TimeoutMax: s.TimeoutMax,
			Trials: len(ms), Ms: all[:len(Quantiles)], MaxMs: all[len(Quantiles)]})
	}
	if len(ref.Lines) == 0 {
		return Reference{}, errors.New("the run has no leader-crash trial without loss to compare with")
	}
	return ref, nil
}
