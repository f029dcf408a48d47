package bench

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkPresetTrial is one trial of the raft-paper preset (Figure 16 of
// the Raft paper) on the preset's own model of LogCabin's testbed, its 1s
// fault-free window included. 150-150ms is the preset's costliest line
// (hundreds of split-vote rounds a trial), 150-151ms the next, 150-300ms
// the typical one. Trials cycle over the line's first 100 seeds
// (-benchtime 100x runs each once); sim-s/s is simulated seconds per second
// of wall time.
func BenchmarkPresetTrial(b *testing.B) {
	p, err := LookupPreset("raft-paper")
	if err != nil {
		b.Fatal(err)
	}
	e, err := p.Expand(DefaultOptions(), nil, map[string]string{})
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range e.Settings {
		if s.TimeoutMin != 150*ms || (s.TimeoutMax != 150*ms && s.TimeoutMax != 151*ms && s.TimeoutMax != 300*ms) {
			continue
		}
		b.Run(fmt.Sprintf("150-%dms", s.TimeoutMax.Milliseconds()), func(b *testing.B) {
			tr := Trial{Setting: s, Options: e.Options}
			var simulated time.Duration
			for i := 0; b.Loop(); i++ {
				tr.Seed = TrialSeed(1, 0, i%100) // a fixed set of trials, whatever b.N
				r, _, err := RunTrial(tr)
				if err != nil {
					b.Fatal(err)
				}
				simulated += r.Run
			}
			b.ReportMetric(simulated.Seconds()/b.Elapsed().Seconds(), "sim-s/s")
		})
	}
}
