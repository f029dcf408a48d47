package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/report"
	"github.com/raftbench/raftbench/sim"
)

const ms = time.Millisecond

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb, false)
	return code, out.String(), errb.String()
}

func TestBadInputExits2WithOneLineAndNoFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	cases := []struct {
		args []string
		want string // fragment of the message, naming the flag
	}{
		{[]string{"-interval", "200ms..50ms"}, `-interval "200ms..50ms": range "200ms..50ms" is reversed`},
		{[]string{"-interval", "0s"}, "-interval"},
		{[]string{"-interval", "-5ms"}, "-interval"},
		{[]string{"-interval=abc"}, `-interval "abc"`},
		{[]string{"-election-timeout", "300ms..150ms"}, "-election-timeout"},
		{[]string{"-election-timeout", "0ms..10ms"}, "-election-timeout"},
		{[]string{"-loss", "1"}, "-loss"},
		{[]string{"-loss", "-0.5"}, "-loss"},
		{[]string{"-nodes", "0"}, "-nodes"},
		{[]string{"-nodes", "three"}, "-nodes"},
		{[]string{"-scenario", "meltdown"}, `-scenario "meltdown": unknown scenario`},
		{[]string{"-latency", "pareto:1ms"}, `-latency "pareto:1ms"`},
		{[]string{"-latency", "uniform:8ms..2ms"}, "-latency"},
		{[]string{"-trials", "0"}, "-trials"},
		{[]string{"-trials", "x"}, "trials"},
		{[]string{"-parallel", "0"}, "-parallel"},
		{[]string{"-persist-delay", "-1ms"}, "-persist-delay"},
		{[]string{"-fsync", "uniform:5ms..1ms"}, `-fsync "uniform:5ms..1ms"`},
		{[]string{"-fsync", "slow"}, `-fsync "slow"`},
		{[]string{"-fsync", "2ms", "-persist-delay", "2ms"}, "-fsync sets the same thing"},
		{[]string{"-timeout-resolution", "-1ms"}, "-timeout-resolution"},
		{[]string{"-preset", "raft-paper", "-latency", "1ms", "-latency", "2ms"}, "takes one latency model"},
		{[]string{"-limit", "0s"}, "-limit"},
		{[]string{"-quiet", "-1s"}, "-quiet"},
		{[]string{"-runtime", "quantum"}, "-runtime"},
		{[]string{"-format", "xml"}, "-format"},
		{[]string{"-eligible", "9"}, "-eligible"},
		{[]string{"-eligible", "2"}, `-eligible "2": eligible is 2 of 5 nodes; want a majority`},
		{[]string{"-nodes", "2"}, `-nodes "2": nodes is 2; leader-crash needs at least 3`},
		{[]string{"-scenario", "partition", "-nodes", "3,1"}, "-nodes"},
		{[]string{"-bogus"}, "unknown flag -bogus (see raftbench -h)"},
		{[]string{"-preset", "raft-thesis"}, `-preset "raft-thesis": unknown preset`},
		{[]string{"-preset", "raft-paper", "-interval", "50ms"}, "-preset raft-paper sets this"},
		{[]string{"-max-rpc-rate", "0"}, "-max-rpc-rate"},
		{[]string{"-max-spurious-per-hour", "-1"}, "-max-spurious-per-hour"},
		{[]string{"-timer-jitter", "-1ms"}, "-timer-jitter"},
		{[]string{"-trace-file", "."}, "is a folder"},
		{[]string{"-trace-file", "no/such/folder/x.json"}, "not writable"},
		{[]string{"-otlp-protocol", "http"}, "needs -otlp-endpoint"},
		{[]string{"-otlp-endpoint", "127.0.0.1:1", "-otlp-protocol", "udp"}, "-otlp-protocol"},
		{[]string{"stray"}, "unexpected argument"},
	}
	for _, tc := range cases {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d; want 2", tc.args, code)
		}
		if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: stderr %q; want one line containing %q", tc.args, stderr, tc.want)
		}
		if stdout != "" {
			t.Errorf("%v: wrote to stdout: %q", tc.args, stdout)
		}
	}
	if _, err := os.Stat(defaultOutRoot); !os.IsNotExist(err) {
		t.Fatalf("bad input created %s (%v)", defaultOutRoot, err)
	}
}

func TestRefusesNonEmptyOutFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o644)
	code, _, stderr := runCLI(t, "-out", dir, "-trials", "2")
	if code != exitUsage || !strings.Contains(stderr, "not empty") {
		t.Fatalf("exit %d, %q; want 2 and a refusal", code, stderr)
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, stdout, _ := runCLI(t, "-h")
	if code != exitOK {
		t.Fatalf("-h exit %d", code)
	}
	sweepFlags("x").fs.VisitAll(func(f *flag.Flag) {
		i := strings.Index(stdout, "\n  -"+f.Name+" ")
		if i < 0 {
			t.Errorf("-h does not document -%s", f.Name)
			return
		}
		entry, _, _ := strings.Cut(stdout[i+1:], "\n  -")
		if !strings.Contains(entry, "e.g. -") {
			t.Errorf("-%s has no example:\n%s", f.Name, entry)
		}
	})
}

func TestGoStyleAndGNUStyleFlagsAgree(t *testing.T) {
	_, a, _ := runCLI(t, "-interval", "50ms..100ms", "-trials=20", "-format", "csv", "-out=")
	_, b, _ := runCLI(t, "--interval=50ms..100ms", "--trials", "20", "--format=csv", "--out=")
	if a == "" || a != b {
		t.Fatalf("Go-style and GNU-style flags gave different output:\n%s\n---\n%s", a, b)
	}
}

func TestDefaultIntervalStepIsPrinted(t *testing.T) {
	code, stdout, _ := runCLI(t, "-interval", "50ms..200ms", "-trials", "3", "-out=")
	if code != exitOK || !strings.Contains(stdout, "heartbeat intervals: 50ms, 75ms, 100ms, 125ms, 150ms, 175ms, 200ms") {
		t.Fatalf("exit %d; header does not list the 25ms steps:\n%s", code, stdout)
	}
}

func TestSameOutputForAnyParallelism(t *testing.T) {
	args := []string{"-interval", "50ms,100ms", "-latency", "normal:5ms,2ms", "-loss", "0.02", "-trials", "50", "-format", "json", "-out="}
	_, one, _ := runCLI(t, append(args, "-parallel", "1")...)
	_, four, _ := runCLI(t, append(args, "-parallel", "4")...)
	var s1, s4 bench.Summary
	if err := json.Unmarshal([]byte(one), &s1); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(four), &s4); err != nil {
		t.Fatal(err)
	}
	p1, _ := json.Marshal(s1.Points)
	p4, _ := json.Marshal(s4.Points)
	if !bytes.Equal(p1, p4) {
		t.Fatal("-parallel 1 and -parallel 4 gave different statistics")
	}
}

func TestInterruptedRunStillWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as if Ctrl-C came at once
	var out, errb bytes.Buffer
	code := run(ctx, []string{"-trials", "100", "-out", dir}, &out, &errb, false)
	if code != exitInterrupted || !strings.Contains(errb.String(), "interrupted") {
		t.Fatalf("exit %d, stderr %q; want 130 and a note", code, errb.String())
	}
	var s bench.Summary
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil || json.Unmarshal(b, &s) != nil || !s.Interrupted {
		t.Fatalf("summary.json after interrupt: %v, interrupted=%v", err, s.Interrupted)
	}
}

// TestBinaryEndToEnd builds the command and runs it as a user would.
func TestBinaryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "raftbench")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-interval", "50ms..200ms", "-trials", "30")
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("raftbench: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"[1/7] interval 50ms, timeout 100ms..200ms", "downtime (ms)", "Overview (ms):", "210 trials in", "results in raftbench-out/"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	runs, _ := filepath.Glob(filepath.Join(work, defaultOutRoot, "*"))
	if len(runs) != 1 {
		t.Fatalf("output folders: %v; want one", runs)
	}
	f, err := os.Open(filepath.Join(runs[0], "trials.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 1+210 {
		t.Fatalf("trials.csv: %d rows (%v); want a header and 210 trials", len(rows), err)
	}
	// Replay a trial from its CSV row and check it reports the same downtime.
	row := rows[1+45] // point 1, trial 15
	col := func(name string) string { return row[slices.Index(rows[0], name)] }
	replay := exec.Command(bin, "replay", "-interval", col("interval_ms")+"ms", "-seed", col("seed"))
	replay.Dir = work
	rout, err := replay.CombinedOutput()
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, rout)
	}
	if !strings.Contains(string(rout), "leader in term") || !strings.Contains(string(rout), "fault  crash peer") {
		t.Errorf("replay timeline lacks role changes or the crash:\n%s", rout)
	}
	if !strings.Contains(string(rout), "downtime:") || !strings.Contains(string(rout), strings.TrimSuffix(col("stable_ms"), ".0")) {
		t.Errorf("replay does not report the recorded downtime %sms:\n%s", col("stable_ms"), rout)
	}
	for _, name := range []string{"summary.json", "summary.csv", "table.txt", "report.md", "report.html", "cdf-1.png", "timeline.png", "tradeoff.svg"} {
		if fi, err := os.Stat(filepath.Join(runs[0], name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s missing or empty (%v)", name, err)
		}
	}
	if !strings.Contains(text, "recommended: interval") {
		t.Errorf("no recommendation printed:\n%s", text)
	}

	// The report rebuilds from the folder, here under tighter limits.
	rebuild := exec.Command(bin, "report", runs[0], "-max-rpc-rate", "30")
	rebuild.Dir = work
	rb, err := rebuild.CombinedOutput()
	if err != nil || !strings.Contains(string(rb), "recommended: interval") || !strings.Contains(string(rb), "report.html") {
		t.Fatalf("raftbench report: %v\n%s", err, rb)
	}
	md, _ := os.ReadFile(filepath.Join(runs[0], "report.md"))
	if !strings.Contains(string(md), "at most 30 RPCs per second") {
		t.Error("rebuilt report does not use the new limit")
	}
}

func TestReportCommandErrors(t *testing.T) {
	if code, _, stderr := runCLI(t, "report"); code != exitUsage || !strings.Contains(stderr, "want one argument") {
		t.Errorf("report without a folder: exit %d, %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "report", t.TempDir()); code != exitUsage || !strings.Contains(stderr, "summary.json") {
		t.Errorf("report of an empty folder: exit %d, %q", code, stderr)
	}
}

func TestPresetRuns(t *testing.T) {
	code, stdout, stderr := runCLI(t, "-preset", "raft-paper-scaled", "-trials", "5", "-out=")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"5 settings, 25 trials", "timeout 12ms..24ms", "interval 12.5ms", "latency normal:1ms,200µs"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("preset output lacks %q", want)
		}
	}
	// Without -trials the zero-width line of raft-paper gets 100 trials and
	// the others 1000, as in the paper.
	c := sweepFlags("x")
	if err := c.parse([]string{"--preset", "raft-paper"}); err != nil {
		t.Fatal(err)
	}
	e, err := c.experiment()
	if err != nil {
		t.Fatal(err)
	}
	if o := e.Options; o.Quiet != time.Second || o.Limit != 15*time.Minute || o.BootSkew != 150*ms || o.TimeoutResolution != ms {
		t.Errorf("raft-paper: quiet %v, limit %v, boot skew %v, resolution %v; want 1s, 15m, 150ms, 1ms", o.Quiet, o.Limit, o.BootSkew, o.TimeoutResolution)
	}
	if e.TotalTrials() != 5100 || e.Settings[0].Trials != 100 || e.Options.Eligible != 3 || e.Options.Fsync == nil {
		t.Fatalf("raft-paper: %d trials, first line %d, eligible %d, fsync %v", e.TotalTrials(), e.Settings[0].Trials, e.Options.Eligible, e.Options.Fsync)
	}
	// The model's knobs can be turned to see how the figure moves; the
	// experiment's design cannot.
	c = sweepFlags("x")
	if err := c.parse([]string{"--preset", "raft-paper", "--persist-delay", "5ms", "--latency", "lognormal:1ms,0.3", "--timeout-resolution", "0", "--quiet", "3s"}); err != nil {
		t.Fatal(err)
	}
	if e, err = c.experiment(); err != nil {
		t.Fatal(err)
	}
	if e.Options.Fsync != (sim.Constant{D: 5 * ms}) || e.Settings[3].Latency != (sim.LogNormal{Median: ms, Sigma: 0.3}) || e.Options.TimeoutResolution != 0 || e.Options.Quiet != 3*time.Second {
		t.Errorf("overridden preset: fsync %v, latency %v, resolution %v", e.Options.Fsync, e.Settings[3].Latency, e.Options.TimeoutResolution)
	}
}

// The replay command a report prints reruns the trial exactly, with every
// knob of the model that shapes it (fsync, timeout resolution, timer jitter,
// boot skew, eligible peers).
func TestReportReplayCommandReproducesTheTrial(t *testing.T) {
	st := bench.Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 155 * ms, Nodes: 5,
		Latency: sim.Normal{Mean: ms, StdDev: 200 * time.Microsecond}}
	o := bench.DefaultOptions()
	o.Eligible, o.Fsync, o.TimeoutResolution, o.TimerJitter, o.BootSkew = 3, sim.Normal{Mean: 2 * ms, StdDev: ms}, ms, 100*time.Microsecond, 50*ms
	const seed = 42
	r, _, err := bench.RunTrial(bench.Trial{Setting: st, Options: o, Seed: seed})
	if err != nil || !r.Converged() {
		t.Fatalf("trial: %+v, %v", r, err)
	}
	args := strings.Fields(report.ReplayCommand(st, o, bench.Result{Seed: seed, Point: 2, Trial: 7}))[1:]
	code, stdout, stderr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	if want := fmt.Sprintf("to leader:             %v\n", r.Elected); !strings.Contains(stdout, want) {
		t.Errorf("replay of %v printed\n%s\nwant a line %q", args, stdout, want)
	}
}

// A traced replay carries the trial's place in its sweep when given.
func TestTracedReplayCarriesPointAndTrial(t *testing.T) {
	file := filepath.Join(t.TempDir(), "replay.otlp.json")
	code, _, stderr := runCLI(t, "replay", "-interval", "50ms", "-seed", "42", "-point", "3", "-trial", "9", "-trace-file", file)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"key":"raftbench.point","value":{"intValue":"3"}`, `"key":"raftbench.trial","value":{"intValue":"9"}`, `point 3 trial 9`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the replay's trace lacks %s", want)
		}
	}
}

// spanNames counts the spans of an OTLP/JSON trace file by name.
func spanNames(t *testing.T, file string) map[string]int {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ResourceSpans []struct {
			ScopeSpans []struct {
				Spans []struct {
					Name string `json:"name"`
				} `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, rs := range doc.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				names[s.Name]++
			}
		}
	}
	return names
}

// -trace-all records the heartbeat rounds a trace otherwise sums up; both
// ways a trace has its setup and fault-free window spans.
func TestTraceAllRecordsTheHeartbeats(t *testing.T) {
	dir := t.TempDir()
	count := map[bool]map[string]int{}
	for _, all := range []bool{false, true} {
		file := filepath.Join(dir, fmt.Sprintf("all-%v.otlp.json", all))
		args := []string{"-interval", "75ms", "-trials", "2", "-trace-trials", "2", "-quiet", "1s", "-out=", "-trace-file", file}
		if all {
			args = append(args, "-trace-all")
		}
		if code, _, stderr := runCLI(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		count[all] = spanNames(t, file)
		if count[all]["setup"] != 2 || count[all]["fault-free window"] != 2 || count[all]["failover"] != 2 {
			t.Errorf("all=%v: spans %v; want a setup, a fault-free window and a failover for each of the 2 trials", all, count[all])
		}
	}
	// A 1s window at 75ms holds 14 heartbeat rounds a trial; the measured
	// phase, a failover, a few.
	if count[false]["startReplication"] >= 2*14 || count[true]["startReplication"] < count[false]["startReplication"]+2*14 {
		t.Errorf("startReplication spans: %d by default, %d with -trace-all; want the fault-free windows' 28 rounds only with -trace-all",
			count[false]["startReplication"], count[true]["startReplication"])
	}
}
