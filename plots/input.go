package plots

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/bench/stats"
)

// Input is a sweep's results as the charts need them.
type Input struct {
	Scenario bench.Scenario
	Points   []bench.PointSummary // one per setting, in sweep order
	Results  [][]bench.Result     // per setting, the trials
}

// Metric picks one of a trial's two times.
type Metric int

const (
	Elected Metric = iota // time to a leader
	Stable                // time to a leader every live peer has heard (leader-crash: downtime)
)

// Label names the metric for sc, with its unit.
func (m Metric) Label(sc bench.Scenario) string {
	elected, stable := sc.Labels()
	if m == Elected {
		return elected + " (ms)"
	}
	return stable + " (ms)"
}

func (m Metric) dist(p bench.PointSummary) stats.Dist {
	if m == Elected {
		return p.ElectedMs
	}
	return p.StableMs
}

func (m Metric) value(r bench.Result) (float64, bool) {
	d := r.Stable
	if m == Elected {
		d = r.Elected
	}
	if d == bench.NotReached {
		return 0, false
	}
	return float64(d) / float64(time.Millisecond), true
}

// Values returns the metric of every trial of setting i that reached it.
func (in Input) Values(i int, m Metric) []float64 {
	var xs []float64
	for _, r := range in.Results[i] {
		if v, ok := m.value(r); ok {
			xs = append(xs, v)
		}
	}
	return xs
}

// series is settings that differ only in heartbeat interval: one line in
// an against-interval chart.
type series struct {
	label  string
	points []int // setting indices, by increasing interval
}

type seriesKey struct {
	variant string
	timeout string
	nodes   int
	latency string
	loss    float64
}

func keyOf(s bench.Setting) seriesKey {
	return seriesKey{s.Variant.String(), s.TimeoutLabel(), s.Nodes, s.LatencyLabel(), s.Loss}
}

// Series groups the settings into lines against the heartbeat interval, in
// order of first appearance; labels name only what varies between lines.
func (in Input) series() []series {
	var keys []seriesKey
	byKey := map[seriesKey]*series{}
	for i, p := range in.Points {
		k := keyOf(p.Setting)
		if byKey[k] == nil {
			keys = append(keys, k)
			byKey[k] = &series{}
		}
		byKey[k].points = append(byKey[k].points, i)
	}
	varies := func(f func(seriesKey) string) bool {
		for _, k := range keys {
			if f(k) != f(keys[0]) {
				return true
			}
		}
		return false
	}
	variantVaries := varies(func(k seriesKey) string { return k.variant })
	timeoutVaries := varies(func(k seriesKey) string { return k.timeout })
	nodesVary := varies(func(k seriesKey) string { return fmt.Sprint(k.nodes) })
	latencyVaries := varies(func(k seriesKey) string { return k.latency })
	lossVaries := varies(func(k seriesKey) string { return fmt.Sprint(k.loss) })
	out := make([]series, len(keys))
	for i, k := range keys {
		var parts []string
		if variantVaries {
			parts = append(parts, k.variant)
		}
		if timeoutVaries || len(keys) == 1 {
			parts = append(parts, "timeout "+k.timeout)
		}
		if nodesVary {
			parts = append(parts, fmt.Sprintf("%d nodes", k.nodes))
		}
		if latencyVaries {
			parts = append(parts, "latency "+k.latency)
		}
		if lossVaries {
			parts = append(parts, fmt.Sprintf("loss %g", k.loss))
		}
		s := byKey[k]
		slices.SortStableFunc(s.points, func(a, b int) int {
			return int(in.Points[a].Setting.Interval - in.Points[b].Setting.Interval)
		})
		out[i] = series{label: strings.Join(parts, ", "), points: s.points}
	}
	return out
}

// SettingLabels names each of the given settings by what differs among
// them (interval, timeout, nodes, latency, loss), or by its timeout alone.
func (in Input) SettingLabels(indices []int) []string {
	field := []func(bench.Setting) string{
		func(s bench.Setting) string { return s.Variant.String() },
		func(s bench.Setting) string { return "hb " + s.Interval.String() },
		func(s bench.Setting) string { return s.TimeoutLabel() },
		func(s bench.Setting) string { return fmt.Sprintf("%d nodes", s.Nodes) },
		func(s bench.Setting) string { return "latency " + keyOf(s).latency },
		func(s bench.Setting) string { return fmt.Sprintf("loss %g", s.Loss) },
	}
	labels := make([]string, len(indices))
	for f, get := range field {
		vary := false
		for _, i := range indices {
			if get(in.Points[i].Setting) != get(in.Points[indices[0]].Setting) {
				vary = true
			}
		}
		if !vary && !(f == 2 && len(indices) == 1) {
			continue
		}
		for j, i := range indices {
			if labels[j] != "" {
				labels[j] += ", "
			}
			labels[j] += get(in.Points[i].Setting)
		}
	}
	return labels
}
