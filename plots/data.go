package plots

import (
	"slices"

	"gonum.org/v1/plot/plotter"
)

// CDFPoints is the empirical cumulative distribution of xs as a step line:
// for each sorted value x(i), the points (x(i), 100(i-1)/n) and
// (x(i), 100i/n). y is in percent.
func CDFPoints(xs []float64) plotter.XYs {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := float64(len(s))
	pts := make(plotter.XYs, 0, 2*len(s))
	for i, x := range s {
		pts = append(pts, plotter.XY{X: x, Y: 100 * float64(i) / n}, plotter.XY{X: x, Y: 100 * float64(i+1) / n})
	}
	return pts
}

// ParetoFront returns the indices of the points (cost[i], loss[i]) that no
// other point beats on both, with lower better on both axes, ordered by cost.
// Points with a NaN coordinate take no part.
func ParetoFront(cost, loss []float64) []int {
	var front []int
	for i := range cost {
		if cost[i] != cost[i] || loss[i] != loss[i] {
			continue
		}
		dominated := false
		for j := range cost {
			if j == i || cost[j] != cost[j] || loss[j] != loss[j] {
				continue
			}
			if cost[j] <= cost[i] && loss[j] <= loss[i] && (cost[j] < cost[i] || loss[j] < loss[i]) {
				dominated = true
				break
			}
		}
		if !dominated {
			front = append(front, i)
		}
	}
	slices.SortStableFunc(front, func(a, b int) int {
		switch {
		case cost[a] < cost[b]:
			return -1
		case cost[a] > cost[b]:
			return 1
		}
		return 0
	})
	return front
}
