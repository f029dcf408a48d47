package plots

import (
	"math"
	"slices"
	"time"

	"github.com/raftbench/raftbench/bench"
)

// HeatGrid holds one value per (election-timeout range, heartbeat interval)
// pair; it implements plotter.GridXYZ with columns and rows at 0, 1, 2, ...
type HeatGrid struct {
	Intervals []time.Duration // columns, increasing
	Timeouts  []string        // rows, in sweep order
	Values    [][]float64     // [row][column]; NaN where the sweep has no setting
}

// Grid lays the given settings' values out over interval x timeout. When
// several given settings share a cell (other parameters differ), the last
// one wins: pass settings of one network and cluster size.
func (in Input) Grid(indices []int, value func(bench.PointSummary) float64) HeatGrid {
	var g HeatGrid
	for _, i := range indices {
		s := in.Points[i].Setting
		if !slices.Contains(g.Intervals, s.Interval) {
			g.Intervals = append(g.Intervals, s.Interval)
		}
		if !slices.Contains(g.Timeouts, s.TimeoutLabel()) {
			g.Timeouts = append(g.Timeouts, s.TimeoutLabel())
		}
	}
	slices.Sort(g.Intervals)
	g.Values = make([][]float64, len(g.Timeouts))
	for r := range g.Values {
		g.Values[r] = make([]float64, len(g.Intervals))
		for c := range g.Values[r] {
			g.Values[r][c] = math.NaN()
		}
	}
	for _, i := range indices {
		s := in.Points[i].Setting
		r, c := slices.Index(g.Timeouts, s.TimeoutLabel()), slices.Index(g.Intervals, s.Interval)
		g.Values[r][c] = value(in.Points[i])
	}
	return g
}

func (g HeatGrid) Dims() (c, r int)   { return len(g.Intervals), len(g.Timeouts) }
func (g HeatGrid) Z(c, r int) float64 { return g.Values[r][c] }
func (g HeatGrid) X(c int) float64    { return float64(c) }
func (g HeatGrid) Y(r int) float64    { return float64(r) }

// Min and Max span the grid's values, ignoring NaN; plotter.NewHeatMap uses
// them for the colour range.
func (g HeatGrid) Min() float64 { lo, _ := g.span(); return lo }
func (g HeatGrid) Max() float64 { _, hi := g.span(); return hi }

func (g HeatGrid) span() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range g.Values {
		for _, v := range row {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if lo > hi {
		return 0, 0
	}
	if lo == hi {
		hi = lo + 1 // a flat grid still needs a colour range
	}
	return lo, hi
}
