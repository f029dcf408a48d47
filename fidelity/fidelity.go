// Package fidelity holds what real Raft clusters measured, so that
// raftbench's simulated figures can be set beside them: today the Raft
// paper's Figure 16 (top panel), measured on LogCabin. A simulated figure
// with no measurement beside it is a prediction; this package is where the
// two meet, and where the calibration targets are written down.
package fidelity

import (
	"bufio"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/bench/stats"
)

// Quantiles are the levels every comparison reports, as the reference file
// gives them (p10 p25 p50 p75 p90 p95 p99); the file's maximum is kept apart.
var Quantiles = []float64{0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99}

// Line is one measured distribution of downtime after a leader crash.
type Line struct {
	// Interval is the heartbeat interval; zero: half the minimum timeout,
	// the paper's rule.
	Interval               time.Duration
	TimeoutMin, TimeoutMax time.Duration
	Trials                 int
	Ms                     []float64 // at each of Quantiles
	MaxMs                  float64
}

// Label names the line as the paper does ("150-155ms").
func (l Line) Label() string {
	label := fmt.Sprintf("%d-%dms", l.TimeoutMin.Milliseconds(), l.TimeoutMax.Milliseconds())
	if l.Interval != 0 {
		label = fmt.Sprintf("%v, %s", l.Interval, label)
	}
	return label
}

// interval is the line's heartbeat interval.
func (l Line) interval() time.Duration {
	if l.Interval == 0 {
		return l.TimeoutMin / 2
	}
	return l.Interval
}

// Randomness is the width of the line's election-timeout range.
func (l Line) Randomness() time.Duration { return l.TimeoutMax - l.TimeoutMin }

// Reference is a published measurement and how it was made.
type Reference struct {
	Name   string // short, for tables and legends
	Source string // where the numbers come from, for people
	// What the experiment fixed; a simulated setting is comparable only if
	// it fixes the same.
	Nodes, Eligible int
	Lines           []Line
	// Simulated marks a reference that is itself a raftbench simulation
	// (raftbench compare of two simulated runs); a published or process
	// measurement leaves it false.
	Simulated bool
}

//go:embed logcabin-fig16-top.txt
var logCabinTop string

// LogCabinTop is the Raft paper's Figure 16, top panel: LogCabin on five
// servers, the minimum election timeout fixed at 150ms and its randomness
// varied, the heartbeat at half the minimum timeout, the leader crashed
// within its heartbeat interval after a synchronized heartbeat, two of the
// four survivors with stale logs.
func LogCabinTop() Reference {
	lines, err := parseLines(logCabinTop)
	if err != nil {
		panic(fmt.Sprintf("fidelity: the embedded LogCabin data: %v", err)) // a broken build, not bad input
	}
	return Reference{
		Name: "LogCabin",
		Source: "Raft paper (Ongaro and Ousterhout, USENIX ATC 2014), Figure 16 top: LogCabin's per-trial measurements " +
			"from github.com/heidihoward/ocaml-raft-data (raw/usableFormat.csv)",
		Nodes: 5, Eligible: 3, Lines: lines,
	}
}

// parseLines reads "MIN-MAX trials p10 p25 p50 p75 p90 p95 p99 max" rows;
// lines starting with # are comments.
func parseLines(text string) ([]Line, error) {
	var lines []Line
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		row := strings.TrimSpace(sc.Text())
		if row == "" || strings.HasPrefix(row, "#") {
			continue
		}
		f := strings.Fields(row)
		if len(f) != 3+len(Quantiles) {
			return nil, fmt.Errorf("line %d: %d fields; want timeout, trials, %d quantiles and the maximum", n, len(f), len(Quantiles))
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		min, err1 := strconv.Atoi(lo)
		max, err2 := strconv.Atoi(hi)
		trials, err3 := strconv.Atoi(f[1])
		if !ok || err1 != nil || err2 != nil || err3 != nil || min <= 0 || max < min || trials < 1 {
			return nil, fmt.Errorf("line %d: %q %q; want MIN-MAX in ms and a trial count", n, f[0], f[1])
		}
		l := Line{TimeoutMin: time.Duration(min) * time.Millisecond, TimeoutMax: time.Duration(max) * time.Millisecond, Trials: trials}
		for _, s := range f[2:] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("line %d: %q is not a time in ms", n, s)
			}
			l.Ms = append(l.Ms, v)
		}
		l.Ms, l.MaxMs = l.Ms[:len(Quantiles)], l.Ms[len(Quantiles)]
		if !slices.IsSorted(l.Ms) || l.MaxMs < l.Ms[len(l.Ms)-1] {
			return nil, fmt.Errorf("line %d: quantiles out of order", n)
		}
		lines = append(lines, l)
	}
	return lines, sc.Err()
}

// Match finds the reference line a simulated setting reproduces: the same
// experiment (leader crash, cluster size, stale peers, no loss), the same
// heartbeat interval and the same timeout range.
func (r Reference) Match(s bench.Setting, o bench.Options) (Line, bool) {
	if o.Scenario != bench.LeaderCrash || s.Nodes != r.Nodes || o.Eligible != r.Eligible || s.Loss != 0 {
		return Line{}, false
	}
	for _, l := range r.Lines {
		if l.TimeoutMin == s.TimeoutMin && l.TimeoutMax == s.TimeoutMax && l.interval() == s.Interval {
			return l, true
		}
	}
	return Line{}, false
}

// Row sets a simulated sample beside a measured line.
type Row struct {
	Line
	Point int       // the setting's index in the sweep
	N     int       // simulated trials
	Sim   []float64 // simulated ms at each of Quantiles (+Inf: beyond the trials that converged)
	Err   []float64 // relative error of Sim against Line.Ms, e.g. 0.05 for 5% slower
}

// Compare computes a row from the simulated downtimes of one setting's
// trials, in ms; trials that never converged count as slower than all
// others (pass +Inf). Quantiles are empirical, as bench computes them.
func Compare(l Line, point int, downtimeMs []float64) Row {
	r := Row{Line: l, Point: point, N: len(downtimeMs), Sim: stats.Quantiles(downtimeMs, Quantiles...)}
	for i, v := range r.Sim {
		r.Err = append(r.Err, v/l.Ms[i]-1)
	}
	return r
}

// The calibration targets (issue 8): on lines with at least 5ms of
// randomness the median within 10% and p10 and p90 within 20%; on the
// narrower lines, where a few hundred split votes decide, the median within
// 30%.
const (
	wideRandomness  = 5 * time.Millisecond
	wideMedianError = 0.10
	wideTailError   = 0.20
	narrowMedian    = 0.30
)

// The targets in words, from the numbers above.
var (
	wideTarget   = fmt.Sprintf("p50 within %.0f%%, p10 and p90 within %.0f%%", 100*wideMedianError, 100*wideTailError)
	narrowTarget = fmt.Sprintf("p50 within %.0f%%", 100*narrowMedian)
)

// Targets says, for people, which target a line has.
func Targets() string {
	return fmt.Sprintf("where the timeout has at least %v of randomness, %s; on the narrower lines, decided by hundreds of split votes, %s",
		wideRandomness, wideTarget, narrowTarget)
}

// Check reports whether the row meets its calibration target, and the
// target in words.
func (r Row) Check() (ok bool, target string) {
	at := func(p float64) float64 { return math.Abs(r.Err[slices.Index(Quantiles, p)]) }
	if r.Randomness() >= wideRandomness {
		return at(0.5) <= wideMedianError && at(0.1) <= wideTailError && at(0.9) <= wideTailError, wideTarget
	}
	return at(0.5) <= narrowMedian, narrowTarget
}

// Verdict is "yes" or "no": whether the row meets its target.
func (r Row) Verdict() string {
	if ok, _ := r.Check(); ok {
		return "yes"
	}
	return "no"
}

// CompareRun sets every setting of a run that reproduces one of ref's lines
// beside it, in sweep order. results holds each setting's trials.
func CompareRun(ref Reference, settings []bench.Setting, o bench.Options, results [][]bench.Result) []Row {
	var rows []Row
	for i, s := range settings {
		l, ok := ref.Match(s, o)
		if !ok || i >= len(results) {
			continue
		}
		rows = append(rows, Compare(l, i, DowntimesMs(results[i])))
	}
	return rows
}

// tableQuantiles are the levels the tables show: p95 is left out, as the
// tables are wide enough (trials.csv has every trial).
var tableQuantiles = []float64{0.10, 0.25, 0.50, 0.75, 0.90, 0.99}

// Header and Cells lay a comparison out as a table: per quantile, the
// measured and the simulated ms and the simulated figure's error.
func Header(ref Reference) []string {
	h := []string{"election timeout", "trials (" + ref.Name + " / raftbench)"}
	for _, p := range tableQuantiles {
		h = append(h, fmt.Sprintf("p%d: %s / raftbench (error)", int(math.Round(p*100)), ref.Name))
	}
	return append(h, "target", "met")
}

func (r Row) Cells() []string {
	c := []string{r.Label(), fmt.Sprintf("%d / %d", r.Trials, r.N)}
	for _, p := range tableQuantiles {
		i := slices.Index(Quantiles, p)
		c = append(c, fmt.Sprintf("%s / %s (%s)", msCell(r.Ms[i]), msCell(r.Sim[i]), percent(r.Err[i])))
	}
	_, target := r.Check()
	return append(c, target, r.Verdict())
}

func msCell(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 1):
		return "not converged"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func percent(e float64) string {
	if math.IsNaN(e) || math.IsInf(e, 0) {
		return "-"
	}
	return fmt.Sprintf("%+.0f%%", 100*e)
}

// DowntimesMs is the downtime of each trial that injected its fault, in
// ms: a trial that never converged is +Inf, slower than any that did; one
// that never started has no downtime and is left out.
func DowntimesMs(results []bench.Result) []float64 {
	var ms []float64
	for _, r := range results {
		switch {
		case r.Outcome == bench.NotStarted:
		case r.Stable == bench.NotReached:
			ms = append(ms, math.Inf(1))
		default:
			ms = append(ms, r.Stable.Seconds()*1000)
		}
	}
	return ms
}
