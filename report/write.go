package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/bench/stats"
	"github.com/raftbench/raftbench/fidelity"
	"github.com/raftbench/raftbench/internal/english"
	"github.com/raftbench/raftbench/plots"
	"github.com/raftbench/raftbench/sim"
	"gonum.org/v1/plot"
)

// Run is a finished sweep as the report needs it.
type Run struct {
	Summary *bench.Summary
	Outcome *bench.Outcome
}

func (r Run) input() plots.Input {
	return plots.Input{Scenario: r.Summary.Options.Scenario, Points: r.Summary.Points, Results: r.Outcome.Results}
}

// Files the report writes besides the charts.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
)

// Write draws the charts into dir and writes report.md and report.html
// there. It returns the recommendation it made. Everything is made in a
// staging folder first, so a failure leaves an earlier report untouched.
func Write(dir string, run Run, limits Limits) (Recommendation, error) {
	if err := limits.Validate(); err != nil {
		return Recommendation{}, err
	}
	stage, err := os.MkdirTemp(dir, ".report-staging-")
	if err != nil {
		return Recommendation{}, err
	}
	defer os.RemoveAll(stage)
	in := run.input()
	rec := Recommend(in.Points, limits)
	ref := fidelity.LogCabinTop()
	b := &builder{dir: stage, run: run, in: in, rec: rec, limits: limits, ref: ref,
		measured: fidelity.CompareRun(ref, run.Summary.Settings, run.Summary.Options, run.Outcome.Results)}
	d, err := b.build()
	if err != nil {
		return rec, err
	}
	var md, page bytes.Buffer
	if err := d.markdown(&md); err != nil {
		return rec, err
	}
	if err := d.html(&page, stage); err != nil {
		return rec, err
	}
	if err := os.WriteFile(filepath.Join(stage, MarkdownFile), md.Bytes(), 0o644); err != nil {
		return rec, err
	}
	if err := os.WriteFile(filepath.Join(stage, HTMLFile), page.Bytes(), 0o644); err != nil {
		return rec, err
	}
	made, err := os.ReadDir(stage)
	if err != nil {
		return rec, err
	}
	for _, f := range made {
		if err := os.Rename(filepath.Join(stage, f.Name()), filepath.Join(dir, f.Name())); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

type builder struct {
	dir    string
	run    Run
	in     plots.Input
	rec    Recommendation
	limits Limits
	// The settings that reproduce a real cluster's measurement, beside it.
	ref      fidelity.Reference
	measured []fidelity.Row
}

func (b *builder) save(p *plot.Plot, name string) (string, error) {
	if err := plots.Save(p, filepath.Join(b.dir, name)); err != nil {
		return "", fmt.Errorf("chart %s: %w", name, err)
	}
	return name + ".png", nil
}

func num(x stats.Number, decimals int) string { return x.Format(decimals) }

func (b *builder) build() (*document, error) {
	s := b.run.Summary
	o := s.Options
	d := &document{Title: "raftbench tuning report"}

	run := []string{fmt.Sprintf("Scenario **%s**, %s, %s in all (%s), seed %d, %s, %.1f s of wall time.",
		o.Scenario, english.Count(len(s.Settings), "setting"), english.Count(s.TrialsDone, "trial"), trialsPerSetting(s), o.Seed, o.RuntimeText(), s.WallSeconds)}
	if s.Interrupted {
		run = append(run, "The run was interrupted: the figures below cover only the trials that finished.")
	}
	if !o.Shard.Whole() {
		run = append(run, fmt.Sprintf("This folder holds shard %v of the sweep: %d of its %d trials (those whose index in sweep order is %d modulo %d); the figures below are of this shard only. raftbench merge puts the shards' folders together.",
			o.Shard, o.Shard.Count(o.TotalTrials(s.Settings)), o.TotalTrials(s.Settings), o.Shard.K, o.Shard.N))
	}
	d.Sections = append(d.Sections, section{Heading: "Run", Paras: run, Code: strings.Join(s.Command, " ")})
	d.Sections = append(d.Sections, section{Heading: "Network and cluster", Paras: b.networkParas()})
	d.Sections = append(d.Sections, section{Heading: "Recommendation", Paras: b.recommendationParas()})
	d.Sections = append(d.Sections, section{Heading: "Settings", Paras: []string{b.tableNote()}, Table: b.settingsTable()})
	if len(b.measured) > 0 {
		d.Sections = append(d.Sections, b.fidelitySection())
	}
	charts, err := b.charts()
	if err != nil {
		return nil, err
	}
	d.Sections = append(d.Sections, charts...)
	d.Sections = append(d.Sections, section{Heading: "Files", Paras: []string{
		"[trials.csv](trials.csv): one row per trial, with the seed that replays it. [summary.json](summary.json): the configuration and every statistic. [summary.csv](summary.csv): one row per setting. [table.txt](table.txt): the tables as printed. Rebuild this report from the folder with `raftbench report <folder>`.",
	}})
	return d, nil
}

func trialsPerSetting(s *bench.Summary) string {
	counts := map[int]bool{}
	for _, st := range s.Settings {
		counts[s.Options.TrialsFor(st)] = true
	}
	var parts []string
	for n := range counts {
		parts = append(parts, fmt.Sprint(n))
	}
	slices.Sort(parts)
	return strings.Join(parts, " or ") + " per setting"
}

func (b *builder) networkParas() []string {
	o := b.run.Summary.Options
	var lats, nodes, losses []string
	for _, st := range b.run.Summary.Settings {
		lat := "none"
		if st.Latency != nil {
			lat = fmt.Sprintf("%v (mean one-way %v)", st.Latency, st.Latency.MeanDelay().Round(10*time.Microsecond))
		}
		if !slices.Contains(lats, lat) {
			lats = append(lats, lat)
		}
		if n := fmt.Sprint(st.Nodes); !slices.Contains(nodes, n) {
			nodes = append(nodes, n)
		}
		if l := fmt.Sprint(st.Loss); !slices.Contains(losses, l) {
			losses = append(losses, l)
		}
	}
	rpcTimeout := o.RPCTimeout
	if rpcTimeout == 0 {
		rpcTimeout = sim.DefaultRPCTimeout
	}
	fsync := o.FsyncLabel()
	if o.Runtime == sim.Process {
		fsync = "the real disk's (each peer writes a file and syncs it)"
	}
	paras := []string{
		fmt.Sprintf("One-way latency: %s. Message loss: %s. Cluster size: %s nodes. Each write of a peer's term and vote (fsync, paid by a candidate before it asks for votes, by a voter before it grants, by a peer adopting a newer term before it answers; the peer does nothing else meanwhile): %s. RPC timeout: %v.",
			strings.Join(lats, "; "), strings.Join(losses, ", "), strings.Join(nodes, ", "), fsync, rpcTimeout),
	}
	if o.Runtime == sim.Process {
		paras = append(paras, b.processPara())
	}
	if o.TimerJitter > 0 {
		paras = append(paras, fmt.Sprintf("Peer timers fire up to %v late, uniformly at random, as operating-system timers do.", o.TimerJitter))
	}
	if o.TimeoutResolution > 0 {
		paras = append(paras, fmt.Sprintf("Election timeouts are drawn in whole steps of %v, as implementations draw them.", o.TimeoutResolution))
	}
	if o.BootSkew > 0 && o.Scenario != bench.ColdStart && o.Scenario != bench.Steady {
		paras = append(paras, fmt.Sprintf("Peers boot at random within %v of each other, so the cluster's first leader, the setup for the fault, is elected quickly.", o.BootSkew))
	}
	if o.Eligible > 0 {
		paras = append(paras, fmt.Sprintf("Only peers 0..%d hold up-to-date logs; the others lag behind and cannot win an election, as in the Raft paper's failover measurement. The leader that fails is always one of the %d (a stale peer cannot be elected), so %d of the survivors can replace it.", o.Eligible-1, o.Eligible, o.Eligible-1))
	}
	if o.Scenario == bench.Steady {
		paras = append(paras, fmt.Sprintf("Each steady trial ran %v (%s) after its first stable leader.", o.Duration, o.RuntimeText()))
	} else if o.Quiet > 0 {
		paras = append(paras, fmt.Sprintf("After its measured phase each trial ran on for %v without faults; spurious elections and the steady RPC rate come from those windows.", o.Quiet))
	}
	return paras
}

func (b *builder) label(i int) string {
	st := b.in.Points[i].Setting
	text := fmt.Sprintf("heartbeat interval %v with election timeout %v..%v", st.Interval, st.TimeoutMin, st.TimeoutMax)
	if st.TimeoutSpec != "" && st.TimeoutSpec != fmt.Sprintf("%v..%v", st.TimeoutMin, st.TimeoutMax) {
		text += " (" + st.TimeoutSpec + ")"
	}
	return text
}

func (b *builder) recommendationParas() []string {
	pts := b.in.Points
	_, stableLabel := b.in.Scenario.Labels()
	limits := fmt.Sprintf("at most %g %s per second with no faults and at most %g %s per hour",
		b.limits.MaxRPCRate, english.Noun(b.limits.MaxRPCRate, "RPC"), b.limits.MaxSpuriousPerHour, english.Noun(b.limits.MaxSpuriousPerHour, "spurious election"))
	var paras []string
	if b.rec.Best < 0 {
		closest := -1
		for i, p := range pts {
			if !math.IsNaN(float64(p.StableMs.P99)) && (closest < 0 || p.StableMs.P99 < pts[closest].StableMs.P99) {
				closest = i
			}
		}
		text := fmt.Sprintf("No setting meets the limits (%s, and every started trial converged).", limits)
		if closest >= 0 {
			text += fmt.Sprintf(" The lowest p99 %s, %s ms, belongs to %s, which is out because %s. Relax --max-rpc-rate or --max-spurious-per-hour, or widen the sweep.",
				stableLabel, num(pts[closest].StableMs.P99, 1), b.label(closest), b.rec.Excluded[closest])
		}
		return []string{text}
	}
	best := pts[b.rec.Best]
	text := fmt.Sprintf("**Use %s.** Of %s, %d %s within the limits (%s, and every started trial converged); this one has the lowest p99 %s among them: %s ms (median %s ms, 95%% CI %s–%s ms, over %s). With no faults it costs %s RPCs per second and showed %s in %s h of %s running.",
		b.label(b.rec.Best), english.Count(len(pts), "setting"), len(b.rec.Ranked), english.Verb(len(b.rec.Ranked), "stays", "stay"), limits, stableLabel,
		num(best.StableMs.P99, 1), num(best.StableMs.P50, 1), num(best.StableMs.P50Low, 1), num(best.StableMs.P50High, 1), english.Count(best.StableMs.N, "trial"),
		num(best.SteadyRPCRate(), 1), english.Count(best.QuietElections, "spurious election"), num(best.QuietHours, 2), b.run.Summary.Options.Provenance())
	if best.NotStarted > 0 {
		text += fmt.Sprintf(" %d of its %s did not start (%s) and %s left out of its figures.", best.NotStarted, english.Count(best.Trials, "trial"), notStartedWhy, english.Verb(best.NotStarted, "is", "are"))
	}
	if h := float64(best.QuietHours); h > 0 {
		text += fmt.Sprintf(" (At that length of observation one election would read as %.1f per hour: a longer -quiet window or -scenario steady resolves rarer ones.)", 1/h)
	}
	if len(b.rec.Ranked) > 1 {
		next := pts[b.rec.Ranked[1]]
		text += fmt.Sprintf(" The runner-up, %s, reaches %s ms at p99 for %s RPC/s.", b.label(b.rec.Ranked[1]), num(next.StableMs.P99, 1), num(next.SteadyRPCRate(), 1))
	}
	var faster []string
	for i, p := range pts {
		if b.rec.Excluded[i] != "" && !math.IsNaN(float64(p.StableMs.P99)) && p.StableMs.P99 < best.StableMs.P99 {
			faster = append(faster, fmt.Sprintf("%s (p99 %s ms: %s)", b.label(i), num(p.StableMs.P99, 1), b.rec.Excluded[i]))
		}
	}
	if len(faster) > 0 {
		if len(faster) > 3 {
			faster = append(faster[:3], fmt.Sprintf("and %d more", len(faster)-3))
		}
		text += " Faster settings were ruled out: " + strings.Join(faster, "; ") + "."
	}
	if slices.Contains(b.rec.Unchecked, b.rec.Best) {
		text += " Its fault-free rates were not measured (the quiet window was off), so the limits could not be checked for it."
	}
	paras = append(paras, text)
	if pv := b.variantPara(); pv != "" {
		paras = append(paras, pv)
	}
	paras = append(paras, b.etcdPara(b.rec.Best))
	return paras
}

// notStartedWhy says what keeps a trial from starting.
const notStartedWhy = "the cluster had no stable leader, or was not quiet, when the fault was due"

func (b *builder) etcdPara(i int) string {
	st := b.in.Points[i].Setting
	rule := EtcdRuleFor(st.Latency)
	if rule.RTT <= 0 {
		return "etcd's rule of thumb (heartbeat near the round-trip time, election timeout at least ten round trips) cannot be applied to a network without latency; etcd's own defaults are a 100 ms heartbeat and a 1000 ms election timeout."
	}
	rtt := float64(rule.RTT)
	hbX, toX := float64(st.Interval)/rtt, float64(st.TimeoutMin)/rtt
	hbVerdict := "inside that band"
	if st.Interval < rule.HeartbeatLow {
		hbVerdict = "below that band, which buys faster failure detection with more heartbeats"
	} else if st.Interval > rule.HeartbeatHigh {
		hbVerdict = "above that band, trading detection speed for fewer heartbeats"
	}
	// Compared as printed (to a tenth of an RTT), so the verdict agrees
	// with the number beside it whichever side of 10 the nanoseconds fall.
	toVerdict := "above that floor"
	if shown := math.Round(toX*10) / 10; shown == 10 {
		toVerdict = "at that floor"
	} else if shown < 10 {
		toVerdict = fmt.Sprintf("below that floor; the measurement found it safe on this network model (%s spurious elections per hour), but the rule's margin is there for latency spikes the model may not contain", num(b.in.Points[i].SpuriousPerHour, 1))
	}
	return fmt.Sprintf("Compared with etcd's rule of thumb: for a mean round trip of %v, etcd suggests a heartbeat of about %v–%v (0.5–1.5 RTT) and an election timeout of at least %v (10 RTT); its defaults are 100 ms and 1000 ms. The recommended heartbeat of %v is %.1f RTT, %s. Its minimum election timeout of %v is %.1f RTT, %s.",
		rule.RTT.Round(10*time.Microsecond), rule.HeartbeatLow.Round(10*time.Microsecond), rule.HeartbeatHigh.Round(10*time.Microsecond), rule.ElectionTimeoutMin.Round(10*time.Microsecond),
		st.Interval, hbX, hbVerdict, st.TimeoutMin, toX, toVerdict)
}

func (b *builder) tableNote() string {
	elected, stable := b.in.Scenario.Labels()
	return fmt.Sprintf("Times in milliseconds. \"%s\" is the time to a leader every live peer has heard; \"%s\" the time to a new leader. p50 comes with its 95%% confidence interval; quantiles are empirical, so with fewer than 100 trials p99 is the slowest trial. RPC/s and spurious/h are from fault-free running.", stable, elected)
}

func (b *builder) settingsTable() *table {
	elected, stable := b.in.Scenario.Labels()
	t := &table{Header: []string{"#", "interval", "election timeout", "nodes", "latency", "loss", "converged",
		stable + " p50 (95% CI)", stable + " p99", elected + " p99", "RPC/s", "spurious/h", "verdict"}}
	for i, p := range b.in.Points {
		st := p.Setting
		lat := st.LatencyLabel()
		verdict := "within limits"
		switch {
		case i == b.rec.Best:
			verdict = "**recommended**"
		case b.rec.Excluded[i] != "":
			verdict = b.rec.Excluded[i]
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(i + 1), st.Interval.String(), fmt.Sprintf("%v..%v", st.TimeoutMin, st.TimeoutMax),
			fmt.Sprint(st.Nodes), lat, fmt.Sprint(st.Loss), convergedCell(p),
			fmt.Sprintf("%s (%s–%s)", num(p.StableMs.P50, 1), num(p.StableMs.P50Low, 1), num(p.StableMs.P50High, 1)),
			num(p.StableMs.P99, 1), num(p.ElectedMs.P99, 1), num(p.SteadyRPCRate(), 1), num(p.SpuriousPerHour, 1), verdict})
	}
	return t
}

// fidelitySection sets the settings that repeat a real cluster's experiment
// beside what that cluster measured.
func (b *builder) fidelitySection() section {
	met := 0
	t := &table{Header: fidelity.Header(b.ref)}
	for _, r := range b.measured {
		t.Rows = append(t.Rows, r.Cells())
		if ok, _ := r.Check(); ok {
			met++
		}
	}
	paras := []string{
		fmt.Sprintf("%d of these settings %s an experiment that was measured on a real cluster: %s. "+
			"The %s figures were measured; raftbench's are %s. "+
			"Each cell reads %s / raftbench (raftbench's error). %d of %s %s their calibration target.",
			len(b.measured), english.Verb(len(b.measured), "repeats", "repeat"), b.ref.Source, b.ref.Name, raftbenchSource(b.run.Summary.Options), b.ref.Name, met, english.Count(len(b.measured), "line"), english.Verb(met, "meets", "meet")),
		"The targets: " + fidelity.Targets() + ". The distribution chart draws the measured quantiles as dashed lines.",
	}
	return section{Heading: "Against a real cluster (" + b.ref.Name + ")", Paras: paras, Table: t}
}

// convergedCell is "converged/trials", with the trials that did not start
// named apart: they are not failures to converge.
func convergedCell(p bench.PointSummary) string {
	cell := fmt.Sprintf("%d/%d", p.Converged, p.Trials)
	if p.NotStarted > 0 {
		cell += fmt.Sprintf(" (%d not started)", p.NotStarted)
	}
	return cell
}

// raftbenchSource says how raftbench's side of a comparison was obtained.
func raftbenchSource(o bench.Options) string {
	if o.Runtime == sim.Process {
		return "measured on real peer processes on this machine (-runtime process), with the network under \"Network and cluster\" injected on every link"
	}
	return "simulated with the model under \"Network and cluster\""
}

// processPara says how a -runtime process run was made, and how far its
// timeline can be trusted.
func (b *builder) processPara() string {
	var worst time.Duration
	for _, rs := range b.run.Outcome.Results {
		for _, r := range rs {
			worst = max(worst, r.ClockUncertainty)
		}
	}
	text := "Measured, not simulated: every peer ran as a raftbench peer process, talking gRPC over TCP through a proxy per link in the driver (where the latency and loss above were added), syncing its term and vote to a file, on the operating system's timers; a crash is SIGKILL of the leader's process and a restart starts it again on its data folder. "
	if worst > 0 {
		text += fmt.Sprintf("Peers ran on agents on other hosts; their clocks were put on the driver's timeline with offsets estimated over the control channel, which leaves two events of different hosts misplaced against each other by up to %.3f ms (the worst trial).", float64(worst)/float64(time.Millisecond))
	} else {
		text += "Every peer ran on the driver's host, so every event is stamped by the same clock."
	}
	return text
}

// variantPara gives the best setting of each variant, when the sweep ran
// several: the Raft a user runs decides which applies.
func (b *builder) variantPara() string {
	if len(b.rec.PerVariant) < 2 {
		return ""
	}
	pts := b.in.Points
	var parts []string
	for _, c := range b.rec.PerVariant {
		if c.Best < 0 {
			parts = append(parts, fmt.Sprintf("**%s**: no setting within the limits", c.Variant))
			continue
		}
		parts = append(parts, fmt.Sprintf("**%s**: %s (p99 %s ms, median %s ms, %s RPC/s)", c.Variant, b.label(c.Best),
			num(pts[c.Best].StableMs.P99, 1), num(pts[c.Best].StableMs.P50, 1), num(pts[c.Best].SteadyRPCRate(), 1)))
	}
	return "Per protocol variant, the best within the limits — " + strings.Join(parts, "; ") + "."
}
