package report

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/bench/stats"
	"github.com/raftbench/raftbench/plots"
	"github.com/raftbench/raftbench/sim"
)

const ms = time.Millisecond

func point(p99, p50, rate, spurious float64, converged, trials int) bench.PointSummary {
	return bench.PointSummary{
		Trials: trials, Converged: converged,
		StableMs:                 stats.Dist{N: converged, P99: stats.Number(p99), P50: stats.Number(p50)},
		QuietHours:               1,
		SpuriousPerHour:          stats.Number(spurious),
		QuietAppendEntriesPerSec: stats.Number(rate),
	}
}

func TestRecommend(t *testing.T) {
	nan := math.NaN()
	points := []bench.PointSummary{
		point(150, 90, 120, 0, 10, 10),   // 0: fastest, but too many RPCs
		point(180, 100, 80, 3, 10, 10),   // 1: flaps
		point(200, 120, 60, 0, 9, 10),    // 2: a trial did not converge
		point(240, 130, 50, 0, 10, 10),   // 3: within limits
		point(220, 140, 90, 0.5, 10, 10), // 4: within limits, the best
		point(220, 150, 40, 0, 10, 10),   // 5: same p99 as 4, slower median
		point(nan, nan, 10, 0, 10, 10),   // 6: nothing measured
	}
	rec := Recommend(points, Limits{MaxRPCRate: 100, MaxSpuriousPerHour: 1})
	if rec.Best != 4 || !slices.Equal(rec.Ranked, []int{4, 5, 3}) {
		t.Fatalf("best %d, ranked %v; want 4, [4 5 3]", rec.Best, rec.Ranked)
	}
	for i, want := range map[int]string{0: "120.0 RPC/s is over the 100 RPC/s limit", 1: "3.0 spurious elections/h is over the 1/h limit",
		2: "1 of 10 trials did not converge", 6: "no time to stability measured"} {
		if rec.Excluded[i] != want {
			t.Errorf("setting %d excluded for %q; want %q", i, rec.Excluded[i], want)
		}
	}
	if none := Recommend(points[:3], Limits{MaxRPCRate: 10, MaxSpuriousPerHour: 0}); none.Best != -1 || len(none.Ranked) != 0 {
		t.Fatalf("with impossible limits: best %d", none.Best)
	}
	if (Limits{MaxRPCRate: 0, MaxSpuriousPerHour: 1}).Validate() == nil || (Limits{MaxRPCRate: 1, MaxSpuriousPerHour: -1}).Validate() == nil {
		t.Fatal("bad limits accepted")
	}
}

func TestEtcdRule(t *testing.T) {
	r := EtcdRuleFor(sim.Uniform{Min: 2 * ms, Max: 8 * ms})
	if r.RTT != 10*ms || r.HeartbeatLow != 5*ms || r.HeartbeatHigh != 15*ms || r.ElectionTimeoutMin != 100*ms {
		t.Fatalf("rule for a 5ms mean one-way latency: %+v", r)
	}
}

// TestReportEndToEnd runs a tiny sweep, writes its output folder as the CLI
// does, builds the report, and checks what a reader would click on.
func TestReportEndToEnd(t *testing.T) {
	var settings []bench.Setting
	for _, iv := range []time.Duration{50 * ms, 100 * ms} {
		for _, x := range []time.Duration{2, 4} {
			settings = append(settings, bench.Setting{Interval: iv, TimeoutMin: x * iv, TimeoutMax: 2 * x * iv, Nodes: 5,
				Latency: sim.Constant{D: 5 * ms}, TimeoutSpec: map[time.Duration]string{2: "2x..4x", 4: "4x..8x"}[x]})
		}
	}
	o := bench.DefaultOptions()
	o.Trials, o.Parallel = 30, 2
	out, err := bench.Sweep(context.Background(), settings, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &bench.Summary{Tool: "raftbench", Command: []string{"raftbench", "-interval", "50ms,100ms"}, Options: o, Settings: settings,
		TrialsDone: out.Done(), Points: out.Summarize()}
	dir := t.TempDir()
	writeFile := func(name string, f func(*bytes.Buffer) error) {
		var b bytes.Buffer
		if err := f(&b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("trials.csv", func(b *bytes.Buffer) error { return bench.WriteTrialsCSV(b, out) })
	writeFile("summary.json", func(b *bytes.Buffer) error { return s.WriteJSON(b) })
	writeFile("summary.csv", func(b *bytes.Buffer) error { return bench.WriteSummaryCSV(b, s.Points) })
	writeFile("table.txt", func(b *bytes.Buffer) error { return bench.WriteTable(b, o, s.Points) })

	rec, err := Write(dir, Run{Summary: s, Outcome: out}, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// At 5ms latency the paper's 2x..4x rule at 50ms is the fastest, and 4
	// peers x 20 heartbeats/s = 80 RPC/s is within the default 100.
	if rec.Best != 0 {
		t.Fatalf("recommended setting %d; want 0 (50ms, 2x..4x)", rec.Best)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, want := range []string{"**Use heartbeat interval 50ms with election timeout 100ms..200ms (2x..4x).**", "etcd", "| 1 | 50ms | 100ms..200ms |", "timeline.png", "raftbench replay -scenario leader-crash -interval 50ms"} {
		if !strings.Contains(text, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	links := regexp.MustCompile(`\]\(([^)]+)\)`).FindAllStringSubmatch(text, -1)
	if len(links) < 10 {
		t.Fatalf("only %d links in report.md", len(links))
	}
	for _, l := range links {
		if fi, err := os.Stat(filepath.Join(dir, l[1])); err != nil || fi.Size() == 0 {
			t.Errorf("report.md links to %s, which is missing or empty", l[1])
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	imgs := regexp.MustCompile(`<img src="([^"]+)"`).FindAllSubmatch(page, -1)
	if len(imgs) == 0 {
		t.Fatal("report.html has no images")
	}
	for _, m := range imgs {
		if !bytes.HasPrefix(m[1], []byte("data:image/png;base64,")) {
			t.Errorf("report.html image %.40s is not embedded", m[1])
		}
	}

	// Rebuilt from the folder alone, the report recommends the same.
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Write(dir, run, DefaultLimits())
	if err != nil || again.Best != rec.Best {
		t.Fatalf("rebuilt report recommends %d (%v); first time %d", again.Best, err, rec.Best)
	}
	// Tighter limits move the recommendation: at most 50 RPC/s rules out
	// 50ms heartbeats (80 RPC/s), leaving 100ms (40 RPC/s).
	tight, err := Write(dir, run, Limits{MaxRPCRate: 50, MaxSpuriousPerHour: 1})
	if err != nil || tight.Best != 2 {
		t.Fatalf("with 50 RPC/s: recommended %d (%v); want 2", tight.Best, err)
	}
}

func TestReportAgainstLogCabin(t *testing.T) {
	settings := []bench.Setting{
		{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: sim.Constant{D: ms}},
		{Interval: 100 * ms, TimeoutMin: 200 * ms, TimeoutMax: 400 * ms, Nodes: 5, Latency: sim.Constant{D: ms}},
	}
	o := bench.DefaultOptions()
	o.Trials, o.Parallel, o.Eligible, o.Quiet = 20, 2, 3, 0
	out, err := bench.Sweep(context.Background(), settings, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &bench.Summary{Tool: "raftbench", Options: o, Settings: settings, TrialsDone: out.Done(), Points: out.Summarize()}
	dir := t.TempDir()
	if _, err := Write(dir, Run{Summary: s, Outcome: out}, DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, want := range []string{"## Against a real cluster (LogCabin)", "| 150-300ms | 1000 / 20 |", "1 of these settings repeat", "heidihoward/ocaml-raft-data"} {
		if !strings.Contains(text, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if strings.Contains(text, "200-400ms") {
		t.Error("the 200-400ms setting, which LogCabin never measured, is compared")
	}

	// A run that repeats none of the paper's experiments has no such section.
	o.Eligible = 0
	out, err = bench.Sweep(context.Background(), settings, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	s = &bench.Summary{Tool: "raftbench", Options: o, Settings: settings, TrialsDone: out.Done(), Points: out.Summarize()}
	if _, err := Write(dir, Run{Summary: s, Outcome: out}, DefaultLimits()); err != nil {
		t.Fatal(err)
	}
	if md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile)); strings.Contains(string(md), "Against a real cluster") {
		t.Error("a run with every peer eligible is compared with LogCabin's stale-log experiment")

	}
}

// A setting none of whose trials had a leader to crash is out for that
// reason, not for non-convergence.
func TestRecommendNamesNotStartedTrials(t *testing.T) {
	s := bench.Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: ms}}
	o := bench.DefaultOptions()
	o.Trials = 3
	o.Limit = 50 * ms // no peer times out before 100ms: no leader to crash
	out, err := bench.Sweep(context.Background(), []bench.Setting{s}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := Recommend(out.Summarize(), DefaultLimits())
	if want := "none of 3 trials started"; rec.Best != -1 || !strings.HasPrefix(rec.Excluded[0], want) {
		t.Fatalf("best %d, excluded for %q; want -1, %q…", rec.Best, rec.Excluded[0], want)
	}
}

// Trials that did not start do not rule a setting out; one that started
// and did not converge does.
func TestRecommendKeepsSettingsWithNotStartedTrials(t *testing.T) {
	notStarted := point(200, 100, 40, 0, 8, 10)
	notStarted.NotStarted = 2
	failed := point(150, 90, 40, 0, 8, 10)
	failed.NotStarted = 1
	rec := Recommend([]bench.PointSummary{notStarted, failed}, DefaultLimits())
	if rec.Best != 0 || rec.Excluded[0] != "" || rec.Excluded[1] != "1 of 10 trials did not converge" {
		t.Fatalf("best %d, excluded %q; want 0, [\"\" \"1 of 10 trials did not converge\"]", rec.Best, rec.Excluded)
	}
}

// TestEtcdComparisonAtTheFloor: an election timeout of exactly ten round
// trips is at etcd's floor, not above it.
func TestEtcdComparisonAtTheFloor(t *testing.T) {
	para := func(timeoutMin time.Duration) string {
		p := point(100, 50, 10, 0, 10, 10)
		p.Setting = bench.Setting{Interval: 10 * ms, TimeoutMin: timeoutMin, TimeoutMax: 2 * timeoutMin, Nodes: 5, Latency: sim.Constant{D: 5 * ms}}
		b := &builder{in: plots.Input{Points: []bench.PointSummary{p}}}
		return b.etcdPara(0)
	}
	for timeoutMin, want := range map[time.Duration]string{
		100 * ms: "is 10.0 RTT, at that floor.",
		101 * ms: "is 10.1 RTT, above that floor.",
		150 * ms: "is 15.0 RTT, above that floor.",
		99 * ms:  "is 9.9 RTT, below that floor;",
	} {
		if got := para(timeoutMin); !strings.Contains(got, want) {
			t.Errorf("minimum timeout %v: %q lacks %q", timeoutMin, got, want)
		}
	}
}

func TestRecommendPerVariant(t *testing.T) {
	withVariant := func(p bench.PointSummary, v bench.Variant) bench.PointSummary {
		p.Setting.Variant = v
		return p
	}
	points := []bench.PointSummary{
		withVariant(point(240, 130, 50, 0, 10, 10), bench.VariantPaper), // 0
		withVariant(point(220, 140, 90, 0, 10, 10), bench.VariantPaper), // 1: paper's best, and the overall best
		withVariant(point(300, 150, 40, 0, 10, 10), bench.VariantEtcd),  // 2: etcd's best
		withVariant(point(260, 150, 40, 0, 10, 10), bench.VariantEtcd),  // 3: too many RPCs
		withVariant(point(200, 100, 150, 0, 10, 10), bench.VariantHashicorp),
	}
	points[3].QuietAppendEntriesPerSec = 200
	rec := Recommend(points, Limits{MaxRPCRate: 100, MaxSpuriousPerHour: 1})
	want := []VariantChoice{{bench.VariantPaper, 1}, {bench.VariantEtcd, 2}, {bench.VariantHashicorp, -1}}
	if rec.Best != 1 || !slices.Equal(rec.PerVariant, want) {
		t.Fatalf("best %d, per variant %v; want 1 and %v", rec.Best, rec.PerVariant, want)
	}
	// One variant: nothing per variant to say.
	if one := Recommend(points[:2], Limits{MaxRPCRate: 100, MaxSpuriousPerHour: 1}); one.PerVariant != nil {
		t.Errorf("a sweep of one variant has per-variant choices %v", one.PerVariant)
	}
}
