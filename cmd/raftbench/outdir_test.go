package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/report"
	"github.com/raftbench/raftbench/sim"
)

// unwritableParent is a folder in which nothing can be created: a
// read-only folder, or (as root, whom permissions do not stop) /proc.
func unwritableParent(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return dir
	}
	if runtime.GOOS != "linux" {
		t.Skip("running as root, and no folder root cannot write into")
	}
	return "/proc"
}

func TestOutThatCannotBeCreatedExits2BeforeAnyTrial(t *testing.T) {
	dir := filepath.Join(unwritableParent(t), "raftbench-test-run")
	code, stdout, stderr := runCLI(t, "-out", dir, "-trials", "3", "-interval", "100ms")
	if code != 2 {
		t.Errorf("exit %d; want 2", code)
	}
	if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "-out") {
		t.Errorf("stderr %q; want one line naming -out", stderr)
	}
	if stdout != "" {
		t.Errorf("the sweep started (stdout %q); the folder should be refused first", stdout)
	}
}

func TestExistingEmptyOutIsWrittenInPlace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(dir)
	if code, _, stderr := runCLI(t, "-out", dir, "-trials", "3", "-interval", "100ms"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after, err := os.Stat(dir)
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("the folder was replaced by another (%v); want the results written into it", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "trials.csv")); err != nil {
		t.Fatal(err)
	}
}

func TestExistingReadOnlyOutIsRefusedAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	before, _ := os.Stat(dir)
	code, stdout, stderr := runCLI(t, "-out", dir, "-trials", "3", "-interval", "100ms")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "read-only") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing run, and a one-line refusal", code, stdout, stderr)
	}
	after, err := os.Stat(dir)
	if err != nil || !os.SameFile(before, after) || after.Mode().Perm() != 0o555 {
		t.Fatalf("the read-only folder was replaced or changed (%v, %v)", err, after.Mode())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("wrote into a read-only folder: %v", entries)
	}
}

func TestOutThatIsAFileIsRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes")
	os.WriteFile(file, []byte("mine"), 0o644)
	code, _, stderr := runCLI(t, "-out", file, "-trials", "2")
	if b, _ := os.ReadFile(file); code != 2 || string(b) != "mine" || !strings.Contains(stderr, "not a folder") {
		t.Fatalf("exit %d, %q, file now %q; want 2, a refusal, the file untouched", code, stderr, b)
	}
}

// Runs started in the same second each get a folder of their own.
func TestConcurrentRunsInTheSameSecondGetFoldersOfTheirOwn(t *testing.T) {
	t.Chdir(t.TempDir())
	fixed := time.Date(2026, 11, 26, 2, 57, 17, 0, time.UTC)
	clock = func() time.Time { return fixed }
	t.Cleanup(func() { clock = time.Now })
	const runs = 3
	var wg sync.WaitGroup
	codes := make([]int, runs)
	errs := make([]string, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			codes[i] = run(context.Background(), []string{"-trials", "20", "-interval", "50ms,100ms", "-parallel", "1"}, &out, &errb, false)
			errs[i] = errb.String()
		}()
	}
	wg.Wait()
	for i := range runs {
		if codes[i] != exitOK {
			t.Errorf("run %d: exit %d: %s", i, codes[i], errs[i])
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(defaultOutRoot, "*"))
	if len(dirs) != runs {
		t.Fatalf("folders %v; want %d", dirs, runs)
	}
	base := filepath.Join(defaultOutRoot, fixed.Format("20060102-150405"))
	for _, want := range []string{base, base + "-2", base + "-3"} {
		b, err := os.ReadFile(filepath.Join(want, "trials.csv"))
		if err != nil || strings.Count(string(b), "\n") != 1+40 {
			t.Errorf("%s: trials.csv (%v) has %d lines; want a header and 40 trials", want, err, strings.Count(string(b), "\n"))
		}
		if _, err := os.Stat(filepath.Join(want, report.HTMLFile)); err != nil {
			t.Errorf("%s: %v", want, err)
		}
	}
}

// A failure after the sweep (here the report) keeps every finished trial
// and the summary, exits 3, and says where they are.
func TestReportFailureKeepsTheTrials(t *testing.T) {
	args := []string{"-trials", "25", "-interval", "50ms..100ms"}
	good := filepath.Join(t.TempDir(), "good")
	if code, _, stderr := runCLI(t, append(args, "-out", good)...); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want, _ := os.ReadFile(filepath.Join(good, "trials.csv"))

	writeReport = func(string, report.Run, report.Limits) (report.Recommendation, error) {
		return report.Recommendation{}, errors.New("no space left on device")
	}
	t.Cleanup(func() { writeReport = report.Write })
	dir := filepath.Join(t.TempDir(), "bad")
	code, _, stderr := runCLI(t, append(args, "-out", dir)...)
	if code != exitWrite || !strings.Contains(stderr, "no space left") || !strings.Contains(stderr, dir) {
		t.Errorf("exit %d, stderr %q; want 3, the error and the folder", code, stderr)
	}
	got, err := os.ReadFile(filepath.Join(dir, "trials.csv"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("trials.csv after a failed report: %v, %d bytes; want the %d bytes of a good run", err, len(got), len(want))
	}
	for _, name := range []string{"summary.json", "summary.csv", "table.txt"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// The exit statuses are distinct, and -h and the README give the same ones.
func TestExitStatusesAreDocumented(t *testing.T) {
	meaning := map[int]string{exitOK: "done", exitFailed: "a run broke (a safety violation or a stuck simulation",
		exitUsage: "bad input", exitWrite: "could not write results", exitInterrupted: "interrupted"}
	if len(meaning) != 5 {
		t.Fatalf("exit statuses are not distinct: %v", meaning)
	}
	_, help, _ := runCLI(t, "-h")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for code, what := range meaning {
		want := fmt.Sprintf("%d %s", code, what) // the code the command returns, not a copy of it
		if !strings.Contains(strings.Join(strings.Fields(help), " "), want) {
			t.Errorf("-h does not say %q", want)
		}
		if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), want) {
			t.Errorf("README does not say %q", want)
		}
	}
}

// A broken run (exit 1) keeps the trials that finished before the trial
// that broke: trials.csv holds them, and stderr says what broke and where
// they are. No flag breaks a trial, so the sweep is the real one for the
// first trials; then, as on two workers, trial 6 breaks (a safety
// violation) after trial 7 finished, which waits in trials.csv's order
// for a trial 6 that never comes.
func TestBrokenRunKeepsFinishedTrials(t *testing.T) {
	const broken = 6
	violation := &sim.SafetyError{Violations: []sim.Violation{{At: 812 * ms, Rule: "one leader per term", Term: 3, Peers: []int{1, 4},
		Detail: "peer 4 became leader of a term peer 1 leads"}}}
	const seed = 1 // the default -seed
	sweep = func(ctx context.Context, settings []bench.Setting, o bench.Options, progress func(int, int), each func(bench.Result)) (*bench.Outcome, error) {
		first := o
		first.Trials = broken
		if _, err := bench.SweepEach(ctx, settings, first, progress, each); err != nil {
			return nil, err
		}
		r, _, err := bench.RunTrial(bench.Trial{Setting: settings[0], Options: o, Seed: bench.TrialSeed(o.Seed, 0, broken+1), Index: broken + 1})
		if err != nil {
			return nil, err
		}
		each(r)
		// What bench.SweepEach returns when a trial breaks.
		return nil, fmt.Errorf("trial seed %d (%v): %w", bench.TrialSeed(o.Seed, 0, broken), settings[0], violation)
	}
	t.Cleanup(func() { sweep = bench.SweepEach })
	dir := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runCLI(t, "-interval", "75ms", "-trials", "20", "-out", dir)
	if code != exitFailed {
		t.Fatalf("exit %d, stderr %q; want 1", code, stderr)
	}
	f, err := os.Open(filepath.Join(dir, "trials.csv"))
	if err != nil {
		t.Fatalf("the output folder of a broken run: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("trials.csv: %v, %d rows", err, len(rows))
	}
	// Each finished trial once, by its seed, and not the broken one.
	seeds := map[string]bool{}
	seedCol := slices.Index(rows[0], "seed")
	for _, row := range rows[1:] {
		seeds[row[seedCol]] = true
	}
	finished := []int{0, 1, 2, 3, 4, 5, 7}
	for _, i := range finished {
		if s := fmt.Sprint(bench.TrialSeed(seed, 0, i)); !seeds[s] {
			t.Errorf("trials.csv lacks finished trial %d (seed %s)", i, s)
		}
	}
	if len(rows)-1 != len(finished) || len(seeds) != len(finished) {
		t.Errorf("trials.csv has %d rows of %d seeds; want the %d finished trials", len(rows)-1, len(seeds), len(finished))
	}
	var broke, kept bool
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		broke = broke || strings.Contains(l, fmt.Sprintf("trial seed %d", bench.TrialSeed(seed, 0, broken))) &&
			strings.Contains(l, "safety violation at 812ms: one leader per term: term 3")
		kept = kept || strings.Contains(l, fmt.Sprintf("the %d trials that finished are in %s", len(finished), filepath.Join(dir, "trials.csv")))
	}
	if !broke || !kept {
		t.Errorf("stderr %q; want a line saying which trial broke and how, and one saying where the %d finished trials are", stderr, len(finished))
	}
}
