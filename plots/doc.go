// Package plots draws raftbench's charts from sweep results with
// gonum.org/v1/plot: downtime CDFs in the style of the Raft paper's Figure
// 16, percentiles and RPC rates against the heartbeat interval, heatmaps over
// interval x timeout, the downtime/RPC trade-off with its Pareto front, and
// the timeline of one trial. It runs no simulation: every chart is a
// function of results it is given. The data behind each chart (CDF points,
// the Pareto set, the heat grid) is computed by exported functions of its
// own, so it can be checked without looking at pixels.
package plots
