package plots

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

const ms = time.Millisecond

func TestCDFPoints(t *testing.T) {
	got := CDFPoints([]float64{30, 10, 20, 20})
	want := plotter.XYs{{X: 10, Y: 0}, {X: 10, Y: 25}, {X: 20, Y: 25}, {X: 20, Y: 50}, {X: 20, Y: 50}, {X: 20, Y: 75}, {X: 30, Y: 75}, {X: 30, Y: 100}}
	if !slices.Equal(got, want) {
		t.Fatalf("CDFPoints = %v; want %v", got, want)
	}
}

func TestParetoFront(t *testing.T) {
	nan := math.NaN()
	//            A    B   C   D   E    F    G
	cost := []float64{10, 20, 30, 40, 10, nan, 20}
	loss := []float64{100, 50, 60, 10, 120, 1, 50}
	// C is beaten by B, E by A; F has no cost; G ties B exactly, so neither
	// beats the other and both stay.
	if got := ParetoFront(cost, loss); !slices.Equal(got, []int{0, 1, 6, 3}) {
		t.Fatalf("ParetoFront = %v; want [0 1 6 3]", got)
	}
}

// fixture is a small hand-made result set: two intervals x two timeout
// ranges, one cell missing, with known times.
func fixture() Input {
	mk := func(iv, lo, hi time.Duration, spec string) bench.Setting {
		return bench.Setting{Interval: iv, TimeoutMin: lo, TimeoutMax: hi, Nodes: 3, Latency: sim.Constant{D: ms}, TimeoutSpec: spec}
	}
	settings := []bench.Setting{
		mk(50*ms, 100*ms, 200*ms, "2x..4x"),
		mk(100*ms, 200*ms, 400*ms, "2x..4x"),
		mk(50*ms, 150*ms, 300*ms, "3x..6x"),
	}
	var results [][]bench.Result
	for p := range settings {
		var rs []bench.Result
		for k := range 20 {
			stable := time.Duration(100*(p+1)+10*k) * ms
			rs = append(rs, bench.Result{Point: p, Trial: k, Outcome: bench.Converged, Elected: stable - 5*ms, Stable: stable,
				QuietRun: time.Second, Quiet: sim.Stats{AppendEntries: sim.RPCStats{Sent: 40 / (p%2 + 1)}}})
		}
		results = append(results, rs)
	}
	out := &bench.Outcome{Settings: settings, Options: bench.DefaultOptions(), Results: results}
	return Input{Scenario: bench.LeaderCrash, Points: out.Summarize(), Results: results}
}

func TestGridLayout(t *testing.T) {
	in := fixture()
	g := in.Grid([]int{0, 1, 2}, func(p bench.PointSummary) float64 { return float64(p.Point) })
	if !slices.Equal(g.Intervals, []time.Duration{50 * ms, 100 * ms}) || !slices.Equal(g.Timeouts, []string{"2x..4x", "3x..6x"}) {
		t.Fatalf("axes %v x %v", g.Intervals, g.Timeouts)
	}
	if g.Values[0][0] != 0 || g.Values[0][1] != 1 || g.Values[1][0] != 2 || !math.IsNaN(g.Values[1][1]) {
		t.Fatalf("values %v; want [[0 1] [2 NaN]]", g.Values)
	}
	if g.Min() != 0 || g.Max() != 2 {
		t.Fatalf("span %v..%v; want 0..2", g.Min(), g.Max())
	}
}

func TestSeriesAndLabels(t *testing.T) {
	in := fixture()
	s := in.series()
	if len(s) != 2 || s[0].label != "timeout 2x..4x" || !slices.Equal(s[0].points, []int{0, 1}) || !slices.Equal(s[1].points, []int{2}) {
		t.Fatalf("series %+v", s)
	}
	if got := in.SettingLabels([]int{0, 1}); !slices.Equal(got, []string{"hb 50ms", "hb 100ms"}) {
		t.Fatalf("labels %v", got)
	}
	if got := in.SettingLabels([]int{0, 2}); !slices.Equal(got, []string{"2x..4x", "3x..6x"}) {
		t.Fatalf("labels %v", got)
	}
}

func TestSegments(t *testing.T) {
	ev := []sim.Event{
		{At: 0, Kind: sim.StateChange, Peer: 0, Role: raft.Follower},
		{At: 0, Kind: sim.StateChange, Peer: 1, Role: raft.Follower},
		{At: 150 * ms, Kind: sim.StateChange, Peer: 0, Role: raft.Candidate, Term: 1},
		{At: 160 * ms, Kind: sim.StateChange, Peer: 0, Role: raft.Leader, Term: 1},
		{At: 160 * ms, Kind: sim.RPCDone, Peer: 0, Other: 1},
		{At: 200 * ms, Kind: sim.Fault, Peer: 0, Fault: "crash"},
		{At: 900 * ms, Kind: sim.StateChange, Peer: 1, Role: raft.Leader, Term: 2}, // after the end
	}
	got := Segments(ev, 2, 500*ms)
	want := []Segment{
		{Peer: 0, From: 0, To: 150 * ms, Role: raft.Follower},
		{Peer: 0, From: 150 * ms, To: 160 * ms, Role: raft.Candidate, Term: 1},
		{Peer: 0, From: 160 * ms, To: 200 * ms, Role: raft.Leader, Term: 1},
		{Peer: 0, From: 200 * ms, To: 500 * ms, Down: true, Unfinished: true},
		{Peer: 1, From: 0, To: 500 * ms, Role: raft.Follower, Unfinished: true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("segments\n%v\nwant\n%v", got, want)
	}
}

// Every chart must render to a PNG with something drawn on it.
func TestChartsRender(t *testing.T) {
	in := fixture()
	cdf, err := CDF(in, []int{0, 1, 2}, Stable, true)
	must(t, err)
	pct, err := Percentiles(in, Elected)
	must(t, err)
	rate, err := RPCRates(in)
	must(t, err)
	phase, err := RPCsPerPhase(in, "failover")
	must(t, err)
	heat, err := Heatmap(in, []int{0, 1, 2}, "p99", func(p bench.PointSummary) float64 { return float64(p.StableMs.P99) }, 0)
	must(t, err)
	trade, front, err := Tradeoff(in, Stable)
	must(t, err)
	// Setting 1 sends half the RPCs of 0 and 2 (20/s against 40/s); 0 is
	// faster than 2 at the same cost, 1 is the cheapest.
	if !slices.Equal(front, []int{1, 0}) {
		t.Fatalf("Pareto front %v; want [1 0]", front)
	}
	r, events, err := bench.RunTrial(bench.Trial{
		Setting: bench.Setting{Interval: 50 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 3, Latency: sim.Constant{D: ms}},
		Options: bench.Options{Scenario: bench.LeaderCrash, Limit: 5 * time.Second}, Seed: 3, Record: true})
	must(t, err)
	tl, err := Timeline(events, 3, r.Run, "trial")
	must(t, err)
	dir := t.TempDir()
	for name, p := range map[string]*plot.Plot{"cdf": cdf, "pct": pct, "rate": rate, "phase": phase, "heat": heat, "trade": trade, "timeline": tl} {
		base := filepath.Join(dir, name)
		must(t, Save(p, base))
		raw, err := os.ReadFile(base + ".png")
		must(t, err)
		img, err := png.Decode(bytes.NewReader(raw))
		must(t, err)
		b := img.Bounds()
		if b.Dx() < 600 || b.Dy() < 300 {
			t.Errorf("%s: %dx%d pixels; too small to read", name, b.Dx(), b.Dy())
		}
		colours := map[[4]uint32]bool{}
		for y := b.Min.Y; y < b.Max.Y; y += 7 {
			for x := b.Min.X; x < b.Max.X; x += 7 {
				r, g, bl, a := img.At(x, y).RGBA()
				colours[[4]uint32{r, g, bl, a}] = true
			}
		}
		if len(colours) < 3 {
			t.Errorf("%s: only %d colours; the chart looks empty", name, len(colours))
		}
		if svg, err := os.ReadFile(base + ".svg"); err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("%s.svg missing or not SVG (%v)", name, err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A measured distribution is drawn dashed in its setting's colour through
// its quantiles; the chart takes it beside the simulated lines.
func TestCDFDrawsMeasuredQuantiles(t *testing.T) {
	m := Measured{Point: 1, Name: "LogCabin", Levels: []float64{0.1, 0.5, 0.9}, Ms: []float64{80, 120, 300}}
	l, err := measuredLine(m, 1)
	must(t, err)
	simulated, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}})
	must(t, err)
	styled(simulated, 1, nil)
	if len(l.Dashes) == 0 || l.Color != simulated.Color {
		t.Errorf("measured line: dashes %v, colour %v; want dashed in line 1's colour %v", l.Dashes, l.Color, simulated.Color)
	}
	if want := (plotter.XYs{{X: 80, Y: 10}, {X: 120, Y: 50}, {X: 300, Y: 90}}); !slices.Equal(l.XYs, want) {
		t.Errorf("measured points %v; want %v", l.XYs, want)
	}
	// One for a setting not on the chart is left out; a log axis starts at
	// the lowest measured time's decade.
	in := fixture()
	p, err := CDF(in, []int{0, 1}, Stable, true, m, Measured{Point: 2, Name: "LogCabin", Levels: []float64{0.5}, Ms: []float64{3}})
	must(t, err)
	if p.X.Min != 10 {
		t.Errorf("log axis starts at %v; want 10, the decade of the 80ms measured p10", p.X.Min)
	}
}

func TestVariantsAreLinesOfTheirOwn(t *testing.T) {
	in := Input{Scenario: bench.LeaderCrash}
	for i, v := range []bench.Variant{bench.VariantPaper, bench.VariantPaper, bench.VariantEtcd, bench.VariantEtcd} {
		s := bench.Setting{Interval: time.Duration(50*(1+i%2)) * time.Millisecond, TimeoutMin: 100 * time.Millisecond, TimeoutMax: 200 * time.Millisecond, Nodes: 5, Variant: v}
		in.Points = append(in.Points, bench.PointSummary{Point: i, Setting: s})
	}
	lines := in.series()
	if len(lines) != 2 || lines[0].label != "paper" || lines[1].label != "etcd" || len(lines[0].points) != 2 {
		t.Fatalf("series %+v; want a paper line and an etcd line of two intervals each", lines)
	}
	if got := in.SettingLabels([]int{1, 3}); got[0] != "paper" || got[1] != "etcd" {
		t.Errorf("labels %q; want the variants", got)
	}
}
