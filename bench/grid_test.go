package bench

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

func TestGridExpandsEveryCombinationInOrder(t *testing.T) {
	g := DefaultGrid()
	for v, s := range map[interface{ Set(string) error }]string{
		&g.Intervals: "50ms,100ms,50ms", &g.Timeouts: "2x..4x,150ms..300ms", &g.Nodes: "3,5", &g.Losses: "0,0.01",
	} {
		if err := v.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	e, err := g.Expand(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Settings) != 3*2*2*2 || e.TotalTrials() != 24*200 {
		t.Fatalf("%d settings, %d trials; want 24 and 4800", len(e.Settings), e.TotalTrials())
	}
	first := Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: 5 * ms}, TimeoutSpec: "2x..4x", Variant: VariantPaper}
	if e.Settings[0] != first || e.Settings[1].Loss != 0.01 || e.Settings[2].Nodes != 5 || e.Settings[4].TimeoutSpec != "150ms..300ms" {
		t.Errorf("settings out of order: %v, %v, %v, %v", e.Settings[0], e.Settings[1], e.Settings[2], e.Settings[4])
	}
	if !slices.Equal(e.Intervals, []time.Duration{50 * ms, 100 * ms}) || !slices.Equal(e.Timeouts, []string{"2x..4x", "150ms..300ms"}) {
		t.Errorf("header axes %v, %v", e.Intervals, e.Timeouts)
	}
}

// Every check names its field, as the command line does.
func TestChecksNameTheirField(t *testing.T) {
	cases := []struct {
		field  string
		change func(*Grid, *Options)
	}{
		{"nodes", func(g *Grid, o *Options) { g.Nodes = NodeCounts{5, 2} }},
		{"nodes", func(g *Grid, o *Options) { g.Nodes = NodeCounts{0}; o.Scenario = ColdStart }},
		{"eligible", func(g *Grid, o *Options) { o.Eligible = 2 }},
		{"eligible", func(g *Grid, o *Options) { o.Eligible = -1 }},
		{"trials", func(g *Grid, o *Options) { o.Trials = 0 }},
		{"duration", func(g *Grid, o *Options) { o.Duration = 0 }},
		{"trace-trials", func(g *Grid, o *Options) { o.TraceTrials = -1 }},
		{"scenario", func(g *Grid, o *Options) { o.Scenario = "meltdown" }},
		{"fsync", func(g *Grid, o *Options) { o.Fsync = sim.Uniform{Min: 5 * ms, Max: ms} }},
		{"election-timeout", func(g *Grid, o *Options) { g.Timeouts = TimeoutRanges{{minX: 1e-12, maxX: 1, multiple: true}} }},
	}
	for _, tc := range cases {
		g, o := DefaultGrid(), DefaultOptions()
		tc.change(&g, &o)
		_, err := g.Expand(o)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.HasPrefix(err.Error(), "-"+tc.field+" ") {
			t.Errorf("%s: error %v; want a FieldError naming it", tc.field, err)
		}
	}
}

func TestTooLargeASweepIsRefused(t *testing.T) {
	g := DefaultGrid()
	if err := g.Intervals.Set("1ms..1s:1ms"); err != nil {
		t.Fatal(err)
	}
	g.Losses = Losses{0, 0.01}
	if _, err := g.Expand(DefaultOptions()); err == nil || !strings.Contains(err.Error(), "at most 1000") {
		t.Errorf("2000 settings: %v", err)
	}
}

func TestTrialsPerSetting(t *testing.T) {
	o := DefaultOptions()
	s := []Setting{{Trials: 0}, {Trials: 7}}
	if o.TrialsFor(s[0]) != o.Trials || o.TrialsFor(s[1]) != 7 || o.TotalTrials(s) != o.Trials+7 {
		t.Errorf("trials %d, %d, total %d", o.TrialsFor(s[0]), o.TrialsFor(s[1]), o.TotalTrials(s))
	}
}

func TestPresets(t *testing.T) {
	if _, err := LookupPreset("raft-thesis"); err == nil || !strings.Contains(err.Error(), "want raft-paper or raft-paper-scaled") {
		t.Errorf("unknown preset: %v", err)
	}
	p, err := LookupPreset("raft-paper-scaled")
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.Expand(DefaultOptions(), nil, map[string]string{"trials": "5"})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Settings) != 5 || e.TotalTrials() != 5*200 || e.Settings[0].Interval != 6*ms || e.Settings[0].Latency != paperLatency {
		t.Errorf("raft-paper-scaled: %d settings, %d trials, first %v", len(e.Settings), e.TotalTrials(), e.Settings[0])
	}
	var fe *FieldError
	if _, err := p.Expand(DefaultOptions(), nil, map[string]string{"loss": "0.1"}); !errors.As(err, &fe) || fe.Field != "loss" || fe.Value != "0.1" {
		t.Errorf("a preset's design field set: %v", err)
	}
	two := []sim.Latency{sim.Constant{D: ms}, sim.Constant{D: 2 * ms}}
	if _, err := p.Expand(DefaultOptions(), two, map[string]string{"latency": "1ms 2ms"}); !errors.As(err, &fe) || fe.Field != "latency" {
		t.Errorf("two latency models: %v", err)
	}
}
