package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/fidelity"
	"github.com/raftbench/raftbench/plots"
	"github.com/raftbench/raftbench/sim"
)

// maxLines is how many CDF lines one chart holds before it gets crowded.
const maxLines = 10

// cdfGroups splits the settings into CDF charts of at most maxLines lines:
// all together if they fit, else one chart per election-timeout range and
// network, split further if needed.
func (b *builder) cdfGroups() [][]int {
	n := len(b.in.Points)
	if n <= maxLines {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return [][]int{all}
	}
	byKey := map[string][]int{}
	var order []string
	for i, p := range b.in.Points {
		s := p.Setting
		k := fmt.Sprintf("%s|%d|%v|%g", s.TimeoutLabel(), s.Nodes, s.Latency, s.Loss)
		if byKey[k] == nil {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	var groups [][]int
	for _, k := range order {
		g := byKey[k]
		for len(g) > maxLines {
			groups = append(groups, g[:maxLines])
			g = g[maxLines:]
		}
		groups = append(groups, g)
	}
	return groups
}

// spansDecade reports whether the chosen settings' times cover more than a
// factor of ten, when a log axis reads better (as in the paper's figure).
func (b *builder) spansDecade(indices []int, m plots.Metric) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, i := range indices {
		for _, v := range b.in.Values(i, m) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return lo > 0 && hi/lo > 10
}

// networks groups settings that share cluster size, latency and loss, for
// heatmaps over interval x timeout.
func (b *builder) networks() ([][]int, []string) {
	byKey := map[string][]int{}
	var order []string
	for i, p := range b.in.Points {
		s := p.Setting
		k := fmt.Sprintf("%d nodes, latency %v, loss %g", s.Nodes, s.Latency, s.Loss)
		if byKey[k] == nil {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	groups := make([][]int, len(order))
	for j, k := range order {
		groups[j] = byKey[k]
	}
	return groups, order
}

func (b *builder) charts() ([]section, error) {
	sc := b.in.Scenario
	elected, stable := sc.Labels()
	var out []section

	var cdfImages []image
	for gi, g := range b.cdfGroups() {
		logX := b.spansDecade(g, plots.Stable)
		p, err := plots.CDF(b.in, g, plots.Stable, logX, b.measuredCDFs()...)
		if err != nil {
			return nil, err
		}
		file, err := b.save(p, fmt.Sprintf("cdf-%d", gi+1))
		if err != nil {
			return nil, err
		}
		caption := fmt.Sprintf("How to read: each line is one setting; a point (x, y) says y%% of its trials had %s of at most x ms. Lines further left are faster; a long flat tail is the slow failovers the p99 is made of. A line that stops below 100%% has trials that never converged.%s", stable, logNote(logX))
		if gi > 0 {
			caption = "The next group of settings, read the same way." + logNote(logX)
		}
		cdfImages = append(cdfImages, image{File: file, Alt: "CDF of " + stable, Caption: caption})
	}
	out = append(out, section{Heading: "Distribution of " + stable, Images: cdfImages})

	pct, err := plots.Percentiles(b.in, plots.Elected)
	if err != nil {
		return nil, err
	}
	pctFile, err := b.save(pct, "percentiles")
	if err != nil {
		return nil, err
	}
	out = append(out, section{Heading: "Percentiles against heartbeat interval", Images: []image{{File: pctFile, Alt: "percentiles of " + elected,
		Caption: fmt.Sprintf("How to read: one colour per election-timeout range; solid p50, dashed p90, dotted p99 of %s at each heartbeat interval. The gap between solid and dotted is how unpredictable failover is.", elected)}}})

	rate, err := plots.RPCRates(b.in)
	if err != nil {
		return nil, err
	}
	rateFile, err := b.save(rate, "rpc-rate")
	if err != nil {
		return nil, err
	}
	phase, err := plots.RPCsPerPhase(b.in, sc.PhaseName())
	if err != nil {
		return nil, err
	}
	phaseFile, err := b.save(phase, "rpc-per-phase")
	if err != nil {
		return nil, err
	}
	out = append(out, section{Heading: "RPC cost", Images: []image{
		{File: rateFile, Alt: "RPC rate", Caption: "How to read: the whole cluster's AppendEntries (solid) and RequestVote (dashed) RPCs per second while nothing fails. Heartbeats cost (nodes - 1) / interval; RequestVote above zero means spurious elections."},
		{File: phaseFile, Alt: "RPCs per " + sc.PhaseName(), Caption: fmt.Sprintf("How to read: mean RPCs sent during one %s. RequestVote above nodes - 1 means more than one election round (split votes or lost votes).", sc.PhaseLabel())},
	}})

	groups, names := b.networks()
	var heat []image
	for gi, g := range groups {
		if len(g) < 2 {
			continue
		}
		suffix := ""
		if len(groups) > 1 {
			suffix = " (" + names[gi] + ")"
		}
		hp, err := plots.Heatmap(b.in, g, "p99 "+stable+" (ms)"+suffix, func(p bench.PointSummary) float64 { return float64(p.StableMs.P99) }, 0)
		if err != nil {
			return nil, err
		}
		f, err := b.save(hp, fmt.Sprintf("heatmap-p99-%d", gi+1))
		if err != nil {
			return nil, err
		}
		heat = append(heat, image{File: f, Alt: "heatmap of p99 " + stable, Caption: "How to read: each cell is one (heartbeat interval, election timeout) pair, coloured from blue (fast) to red (slow) by its p99; grey cells were not run."})
		sp, err := plots.Heatmap(b.in, g, "spurious elections per hour"+suffix, func(p bench.PointSummary) float64 { return float64(p.SpuriousPerHour) }, 1)
		if err != nil {
			return nil, err
		}
		f, err = b.save(sp, fmt.Sprintf("heatmap-spurious-%d", gi+1))
		if err != nil {
			return nil, err
		}
		heat = append(heat, image{File: f, Alt: "heatmap of spurious elections", Caption: "How to read: elections per hour with no fault at all, from the fault-free windows. Anything above zero is a cluster that flaps: the heartbeat is too slow or the timeout too tight for this network."})
	}
	if len(heat) > 0 {
		out = append(out, section{Heading: "Interval x timeout", Images: heat})
	}

	tp, front, err := plots.Tradeoff(b.in, plots.Stable)
	if err != nil {
		return nil, err
	}
	tf, err := b.save(tp, "tradeoff")
	if err != nil {
		return nil, err
	}
	frontNames := make([]string, len(front))
	for j, i := range front {
		frontNames[j] = fmt.Sprintf("#%d", i+1)
	}
	out = append(out, section{Heading: "Trade-off", Images: []image{{File: tf, Alt: "trade-off",
		Caption: fmt.Sprintf("How to read: every setting is a point, RPC cost to the right, slow failover upwards; the red Pareto-best settings (%s in the table) are those no other setting beats on both. Pick along the red line by what an RPC costs you.", strings.Join(frontNames, ", "))}}})

	tl, err := b.timeline()
	if err != nil {
		return nil, err
	}
	if tl != nil {
		out = append(out, *tl)
	}
	return out, nil
}

func logNote(logX bool) string {
	if logX {
		return " The x axis is logarithmic, as in the Raft paper's Figure 16."
	}
	return ""
}

// timeline re-simulates the slowest trial of the recommended setting (or,
// with no recommendation, of the fastest setting) and draws it.
func (b *builder) timeline() (*section, error) {
	o := b.run.Summary.Options
	if o.Runtime != 0 {
		return &section{Heading: "Timeline of one trial", Paras: []string{"No timeline: real-time trials cannot be replayed exactly."}}, nil
	}
	setting := b.rec.Best
	if setting < 0 {
		for i, p := range b.in.Points {
			if !math.IsNaN(float64(p.StableMs.P99)) && (setting < 0 || p.StableMs.P99 < b.in.Points[setting].StableMs.P99) {
				setting = i
			}
		}
	}
	if setting < 0 || len(b.in.Results[setting]) == 0 {
		return nil, nil
	}
	slowest := b.in.Results[setting][0]
	for _, r := range b.in.Results[setting] {
		if r.Stable > slowest.Stable || (!slowest.Converged() && r.Converged()) {
			slowest = r
		}
	}
	st := b.in.Points[setting].Setting
	r, events, err := bench.RunTrial(bench.Trial{Setting: st, Options: o, Seed: slowest.Seed, Record: true})
	if err != nil {
		return nil, err
	}
	end := timelineEnd(events, st)
	p, err := plots.Timeline(events, st.Nodes, end, fmt.Sprintf("Slowest trial of setting #%d (seed %d)", setting+1, slowest.Seed))
	if err != nil {
		return nil, err
	}
	f, err := b.save(p, "timeline")
	if err != nil {
		return nil, err
	}
	_, stable := b.in.Scenario.Labels()
	what := fmt.Sprintf("its %s was %v", stable, r.Stable.Round(time.Microsecond))
	switch r.Outcome {
	case bench.NotConverged:
		what = "it did not converge: " + r.Failure
	case bench.NotStarted:
		what = "it did not start: " + r.Failure
	}
	return &section{Heading: "Timeline of one trial", Images: []image{{File: f, Alt: "timeline",
		Caption: fmt.Sprintf("How to read: one lane per peer, grey while follower, orange while candidate, green while leader, dashed red while crashed; triangles mark elections started, crosses crashes. This is the slowest of setting #%d's trials: %s. Several triangles close together are a split vote; a lane that stays orange is a candidate that cannot win. Replay it with the command shown here.", setting+1, what)}},
		Code: ReplayCommand(st, o, slowest)}, nil
}

// timelineEnd stops the picture a little after the last role change or
// fault, so a long quiet tail does not squeeze the interesting part.
func timelineEnd(events []sim.Event, st bench.Setting) time.Duration {
	var last time.Duration
	for _, e := range events {
		if e.Kind == sim.StateChange || e.Kind == sim.Fault {
			last = max(last, e.At)
		}
	}
	return last + max(st.TimeoutMax, 2*st.Interval)
}

// ReplayCommand is the raftbench command line that reruns one trial, r;
// its place in the sweep goes along so a traced replay says which trial it
// is.
func ReplayCommand(st bench.Setting, o bench.Options, r bench.Result) string {
	args := []string{"raftbench", "replay", "-scenario", string(o.Scenario),
		"-interval", st.Interval.String(), "-election-timeout", fmt.Sprintf("%v..%v", st.TimeoutMin, st.TimeoutMax),
		"-nodes", fmt.Sprint(st.Nodes), "-latency", st.LatencyLabel(), "-loss", fmt.Sprint(st.Loss)}
	add := func(flag string, d time.Duration, def time.Duration) {
		if d != def {
			args = append(args, flag, d.String())
		}
	}
	def := bench.DefaultOptions()
	if o.Fsync != nil {
		args = append(args, "-fsync", o.FsyncLabel())
	}
	add("-rpc-timeout", o.RPCTimeout, 0)
	add("-timer-jitter", o.TimerJitter, 0)
	add("-timeout-resolution", o.TimeoutResolution, 0)
	add("-boot-skew", o.BootSkew, 0)
	add("-limit", o.Limit, def.Limit)
	add("-quiet", o.Quiet, def.Quiet)
	if o.Scenario == bench.Steady {
		add("-duration", o.Duration, def.Duration)
	}
	if o.Eligible > 0 {
		args = append(args, "-eligible", fmt.Sprint(o.Eligible))
	}
	args = append(args, "-seed", fmt.Sprint(r.Seed), "-point", fmt.Sprint(r.Point), "-trial", fmt.Sprint(r.Trial))
	return strings.Join(args, " ")
}

// measuredCDFs are the real cluster's distributions for the settings that
// repeat its experiment.
func (b *builder) measuredCDFs() []plots.Measured {
	var out []plots.Measured
	for _, r := range b.measured {
		out = append(out, plots.Measured{Point: r.Point, Name: b.ref.Name, Levels: fidelity.Quantiles, Ms: r.Ms})
	}
	return out
}
