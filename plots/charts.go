package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/bench/stats"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Add(plotter.NewGrid())
	return p
}

func toMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func styled(l *plotter.Line, i int, dashes []vg.Length) {
	l.Color = plotutil.Color(i)
	l.Width = vg.Points(1.5)
	l.Dashes = dashes
}

// Measured is a distribution measured on a real cluster, as quantiles, to
// draw beside a simulated setting's line.
type Measured struct {
	Point  int       // the setting it corresponds to
	Name   string    // whose measurement, for the legend
	Levels []float64 // quantile levels in (0, 1)
	Ms     []float64 // the measured value at each level
}

var measuredDashes = []vg.Length{vg.Points(5), vg.Points(3)}

// CDF draws the cumulative distribution of metric for the given settings,
// one line each, in the style of the Raft paper's Figure 16: x in
// milliseconds (log scale if logX), y the percentage of trials that had
// finished by then. Trials that started but never reached the metric keep a
// line below 100%; trials that did not start are left out. Measured
// distributions of the same settings are drawn dashed in the setting's
// colour, through their quantiles.
func CDF(in Input, indices []int, m Metric, logX bool, measured ...Measured) (*plot.Plot, error) {
	p := newPlot(fmt.Sprintf("Cumulative distribution: %s", m.Label(in.Scenario)), m.Label(in.Scenario), "cumulative percent of trials")
	p.Legend.Top, p.Legend.Left = false, false
	p.Y.Min, p.Y.Max = 0, 100
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	labels := in.SettingLabels(indices)
	lowest := math.Inf(1)
	for j, i := range indices {
		xs := in.Values(i, m)
		for _, x := range xs {
			lowest = math.Min(lowest, x)
		}
		if len(xs) == 0 {
			continue
		}
		pts := CDFPoints(xs)
		if n := in.Points[i].Started(); n > len(xs) {
			// Percent of the trials that started, not of those that
			// finished: a trial that never injected its fault is no slow
			// failover.
			for k := range pts {
				pts[k].Y *= float64(len(xs)) / float64(n)
			}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		styled(l, j, nil)
		p.Add(l)
		p.Legend.Add(labels[j], l)
	}
	for _, ref := range measured {
		j := slices.Index(indices, ref.Point)
		if j < 0 || len(ref.Levels) == 0 {
			continue
		}
		l, err := measuredLine(ref, j)
		if err != nil {
			return nil, err
		}
		for _, pt := range l.XYs {
			lowest = math.Min(lowest, pt.X)
		}
		p.Add(l)
		p.Legend.Add(labels[j]+" ("+ref.Name+", measured)", l)
	}
	if logX && lowest > 0 && !math.IsInf(lowest, 1) {
		// Start the axis at a power of ten so the first decade is labelled.
		p.X.Min = math.Pow(10, math.Floor(math.Log10(lowest)))
	}
	return p, nil
}

// measuredLine draws a measured distribution through its quantiles, dashed,
// in the colour of the chart's line number colour.
func measuredLine(m Measured, colour int) (*plotter.Line, error) {
	pts := make(plotter.XYs, len(m.Levels))
	for k := range m.Levels {
		pts[k] = plotter.XY{X: m.Ms[k], Y: 100 * m.Levels[k]}
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	styled(l, colour, measuredDashes)
	return l, nil
}

// Percentiles draws p50 (solid), p90 (dashed) and p99 (dotted) of metric
// against the heartbeat interval, one colour per election-timeout range.
func Percentiles(in Input, m Metric) (*plot.Plot, error) {
	p := newPlot(m.Label(in.Scenario)+": p50 solid, p90 dashed, p99 dotted", "heartbeat interval (ms)", m.Label(in.Scenario))
	dashes := [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(1.5), vg.Points(2.5)}}
	for si, s := range in.series() {
		for qi, q := range []func(stats.Dist) stats.Number{
			func(d stats.Dist) stats.Number { return d.P50 },
			func(d stats.Dist) stats.Number { return d.P90 },
			func(d stats.Dist) stats.Number { return d.P99 },
		} {
			pts := in.againstInterval(s, func(p bench.PointSummary) float64 { return float64(q(m.dist(p))) })
			if len(pts) == 0 {
				continue
			}
			l, sc, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			styled(l, si, dashes[qi])
			sc.Color = l.Color
			p.Add(l, sc)
			if qi == 0 {
				p.Legend.Add(s.label, l, sc)
			}
		}
	}
	return p, nil
}

// againstInterval is a series' value at each of its heartbeat intervals, in
// ms, leaving out settings where the value is missing.
func (in Input) againstInterval(s series, value func(bench.PointSummary) float64) plotter.XYs {
	var pts plotter.XYs
	for _, i := range s.points {
		if v := value(in.Points[i]); !math.IsNaN(v) {
			pts = append(pts, plotter.XY{X: toMs(in.Points[i].Setting.Interval), Y: v})
		}
	}
	return pts
}

// solidAndDashed draws, per series, one solid and one dashed line.
func solidAndDashed(in Input, title, yLabel, solidName, dashedName string, solid, dashed func(bench.PointSummary) float64) (*plot.Plot, error) {
	p := newPlot(title, "heartbeat interval (ms)", yLabel)
	p.Legend.Left = false
	p.Y.Min = 0 // counts and rates read honestly only from zero
	for si, s := range in.series() {
		for k, f := range []func(bench.PointSummary) float64{solid, dashed} {
			pts := in.againstInterval(s, f)
			if len(pts) == 0 {
				continue
			}
			l, sc, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			var dash []vg.Length
			name := solidName
			if k == 1 {
				dash, name = []vg.Length{vg.Points(6), vg.Points(3)}, dashedName
			}
			styled(l, si, dash)
			sc.Color = l.Color
			p.Add(l, sc)
			label := name
			if s.label != "" {
				label = s.label + ": " + name
			}
			p.Legend.Add(label, l, sc)
		}
	}
	return p, nil
}

// RPCRates draws the fault-free (steady-state) AppendEntries and RequestVote
// rates of the whole cluster against the heartbeat interval.
func RPCRates(in Input) (*plot.Plot, error) {
	return solidAndDashed(in, "RPC rate with no faults (whole cluster)", "RPCs per second",
		"AppendEntries", "RequestVote",
		func(p bench.PointSummary) float64 { return float64(p.QuietAppendEntriesPerSec) },
		func(p bench.PointSummary) float64 { return float64(p.QuietRequestVotesPerSec) })
}

// RPCsPerPhase draws the mean AppendEntries and RequestVote RPCs sent during
// the measured phase (per failover in leader-crash) against the interval.
func RPCsPerPhase(in Input, phase string) (*plot.Plot, error) {
	return solidAndDashed(in, "RPCs per "+phase+" (mean)", "RPCs", "AppendEntries", "RequestVote",
		func(p bench.PointSummary) float64 { return float64(p.PhaseAppendEntries.Mean) },
		func(p bench.PointSummary) float64 { return float64(p.PhaseRequestVotes.Mean) })
}

// Heatmap colours the given settings' values over heartbeat interval x
// election-timeout range and prints each value in its cell.
func Heatmap(in Input, indices []int, title string, value func(bench.PointSummary) float64, decimals int) (*plot.Plot, error) {
	g := in.Grid(indices, value)
	p := plot.New() // no grid lines: the cells are the grid
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text, p.Y.Label.Text = "heartbeat interval", "election timeout"
	pal := moreland.SmoothBlueRed().Palette(64)
	h := plotter.NewHeatMap(g, pal)
	h.NaN = color.Gray{Y: 230}
	p.Add(h)
	var labels plotter.XYLabels
	for r, row := range g.Values {
		for c, v := range row {
			text := "-"
			if !math.IsNaN(v) {
				text = strconv.FormatFloat(v, 'f', decimals, 64)
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(c), Y: float64(r)})
			labels.Labels = append(labels.Labels, text)
		}
	}
	lab, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign, lab.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		lab.TextStyle[i].Font.Size = vg.Points(9)
	}
	p.Add(lab)
	var xt, yt []plot.Tick
	for c, iv := range g.Intervals {
		xt = append(xt, plot.Tick{Value: float64(c), Label: iv.String()})
	}
	for r, t := range g.Timeouts {
		yt = append(yt, plot.Tick{Value: float64(r), Label: t})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.X.Min, p.X.Max = -0.5, float64(len(g.Intervals))-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(g.Timeouts))-0.5
	return p, nil
}

// Tradeoff plots every setting's p99 of metric against its fault-free RPC
// rate; the Pareto-best settings (no other setting is better on both) are
// joined and labelled. It returns the Pareto set as setting indices.
func Tradeoff(in Input, m Metric) (*plot.Plot, []int, error) {
	p := newPlot("Trade-off: p99 "+m.Label(in.Scenario)+" against RPC cost", "RPCs per second with no faults (whole cluster)", "p99 "+m.Label(in.Scenario))
	p.Legend.Left = false
	cost := make([]float64, len(in.Points))
	loss := make([]float64, len(in.Points))
	var all plotter.XYs
	for i, pt := range in.Points {
		cost[i], loss[i] = float64(pt.SteadyRPCRate()), float64(m.dist(pt).P99)
		if !math.IsNaN(cost[i]) && !math.IsNaN(loss[i]) {
			all = append(all, plotter.XY{X: cost[i], Y: loss[i]})
		}
	}
	front := ParetoFront(cost, loss)
	if len(all) == 0 {
		return p, front, nil
	}
	sc, err := plotter.NewScatter(all)
	if err != nil {
		return nil, nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: color.Gray{Y: 120}, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	p.Add(sc)
	p.Legend.Add("setting", sc)
	var fpts plotter.XYs
	var flabels []string
	names := in.SettingLabels(allIndices(len(in.Points)))
	for _, i := range front {
		fpts = append(fpts, plotter.XY{X: cost[i], Y: loss[i]})
		flabels = append(flabels, "  "+names[i])
	}
	l, fs, err := plotter.NewLinePoints(fpts)
	if err != nil {
		return nil, nil, err
	}
	l.Color, l.Width = color.RGBA{R: 200, G: 30, B: 30, A: 255}, vg.Points(1)
	fs.GlyphStyle = draw.GlyphStyle{Color: l.Color, Radius: vg.Points(4), Shape: draw.PyramidGlyph{}}
	p.Add(l, fs)
	p.Legend.Add("Pareto-best", l, fs)
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: fpts, Labels: flabels})
	if err != nil {
		return nil, nil, err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].Font.Size = vg.Points(8)
		lab.TextStyle[i].YAlign = draw.YCenter
	}
	p.Add(lab)
	// Room on the right for the labels of the cheapest settings.
	_, xmax, _, _ := plotter.XYRange(all)
	p.X.Max = xmax * 1.25
	return p, front, nil
}

func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// MeasuredFrom draws a whole measured sample (ms; +Inf for trials that
// never converged) as a Measured line through its percentiles, for a
// measured run set beside a simulated one.
func MeasuredFrom(point int, name string, ms []float64) Measured {
	m := Measured{Point: point, Name: name}
	for p := 1; p <= 99; p++ {
		m.Levels = append(m.Levels, float64(p)/100)
	}
	for _, v := range stats.Quantiles(ms, m.Levels...) {
		m.Ms = append(m.Ms, v)
	}
	// A line cannot reach a trial that never converged: stop before it.
	for len(m.Ms) > 0 && math.IsInf(m.Ms[len(m.Ms)-1], 1) {
		m.Ms, m.Levels = m.Ms[:len(m.Ms)-1], m.Levels[:len(m.Levels)-1]
	}
	return m
}
