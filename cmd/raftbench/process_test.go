package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// asMainEnv makes the test binary act as raftbench itself, so that
// -runtime process can start peers from os.Executable() without a build.
const asMainEnv = "RAFTBENCH_TEST_AS_MAIN"

// failPeerEnv makes a peer started by the test binary exit at once, as a
// peer that cannot start would.
const failPeerEnv = "RAFTBENCH_TEST_FAIL_PEER"

func TestMain(m *testing.M) {
	if os.Getenv(asMainEnv) == "1" {
		if os.Getenv(failPeerEnv) == "1" {
			os.Stderr.WriteString("raftbench peer: -listen 127.0.0.1:1: address already in use (injected by the test)\n")
			os.Exit(exitUsage)
		}
		peerStdin = os.Stdin
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, false))
	}
	os.Exit(m.Run())
}

// children lists the processes whose parent is this one (Linux /proc).
func children(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc: cannot list child processes")
	}
	me := os.Getpid()
	var kids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after ")".
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(me) {
			kids = append(kids, pid)
		}
	}
	return kids
}

// noChildrenLeft fails if any child process is still there a moment after
// the run returned (an exited child is reaped by the run itself).
func noChildrenLeft(t *testing.T) {
	t.Helper()
	if kids := children(t); len(kids) > 0 {
		t.Errorf("child processes left after the run: %v", kids)
	}
}

func readTrials(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil || len(all) == 0 {
		t.Fatalf("%s: %v (%d records)", path, err, len(all))
	}
	return all[0], all[1:]
}

func column(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("trials.csv has no column %q: %v", name, header)
	return -1
}

func TestProcessRuntimeFailoversAreRealAndLeaveNoProcess(t *testing.T) {
	t.Setenv(asMainEnv, "1")
	t.Chdir(t.TempDir())
	const trials = 4
	code, stdout, stderr := runCLI(t, "-runtime", "process", "-interval", "20ms", "-election-timeout", "100ms..200ms",
		"-nodes", "3", "-latency", "2ms", "-trials", strconv.Itoa(trials), "-quiet", "200ms", "-out", "run")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	noChildrenLeft(t)
	if !strings.Contains(stdout, "real peer processes (measured)") || !strings.Contains(stdout, "h measured)") {
		t.Errorf("the output does not say its figures were measured on real processes:\n%s", stdout)
	}
	header, rows := readTrials(t, filepath.Join("run", "trials.csv"))
	if len(rows) != trials {
		t.Fatalf("%d trials in trials.csv; want %d", len(rows), trials)
	}
	outcome, downtime := column(t, header, "outcome"), column(t, header, "stable_ms")
	for i, r := range rows {
		if r[outcome] != "converged" {
			t.Errorf("trial %d: outcome %q", i, r[outcome])
			continue
		}
		d, err := strconv.ParseFloat(r[downtime], 64)
		// A follower waits at least the minimum timeout after the last
		// heartbeat (at most an interval before the crash), and an
		// election on loopback with 2ms links takes a few ms; on a busy
		// two-core machine allow generous slack above the maximum.
		if err != nil || d < 100-20 || d > 200+500 {
			t.Errorf("trial %d: downtime %q ms; want between 80 and 700", i, r[downtime])
		}
	}
	if entries, _ := filepath.Glob(filepath.Join("run", ".peers-*")); len(entries) > 0 {
		t.Errorf("the peers' data folders were left behind: %v", entries)
	}
}

func TestProcessRuntimeInterruptedLeavesNoProcess(t *testing.T) {
	t.Setenv(asMainEnv, "1")
	t.Chdir(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	var out, errb strings.Builder
	start := time.Now()
	code := run(ctx, []string{"-runtime", "process", "-interval", "20ms", "-nodes", "3", "-latency", "1ms", "-trials", "1000", "-quiet", "200ms", "-out", "run"}, &out, &errb, false)
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("the run took %v to stop after the interrupt at 1.5s", took)
	}
	if code != exitInterrupted {
		t.Fatalf("exit %d; want %d; stderr:\n%s", code, exitInterrupted, errb.String())
	}
	noChildrenLeft(t)
	_, rows := readTrials(t, filepath.Join("run", "trials.csv"))
	if len(rows) == 0 || len(rows) >= 1000 {
		t.Errorf("%d trials written after the interrupt; want some, not all", len(rows))
	}
}

func TestProcessRuntimePeerThatCannotStart(t *testing.T) {
	t.Setenv(asMainEnv, "1")
	t.Setenv(failPeerEnv, "1")
	t.Chdir(t.TempDir())
	code, _, stderr := runCLI(t, "-runtime", "process", "-interval", "20ms", "-nodes", "3", "-trials", "3", "-out", "run")
	if code != exitUsage {
		t.Fatalf("exit %d; want %d; stderr:\n%s", code, exitUsage, stderr)
	}
	if !strings.Contains(stderr, "exited on start") || !strings.Contains(stderr, "address already in use") {
		t.Errorf("stderr does not say which peer failed and why:\n%s", stderr)
	}
	noChildrenLeft(t)
}

func TestProcessRuntimeRefusesModelledCosts(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"-runtime", "process", "-fsync", "2ms"},
		{"-runtime", "process", "-timer-jitter", "1ms"},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(stderr, args[2]) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line naming %s", args, code, stderr, args[2])
		}
		if _, err := os.Stat("raftbench-out"); err == nil {
			t.Errorf("%v: an output folder was made for a refused run", args)
		}
	}
}

func TestPeerAndAgentBadInputExit2WithOneLine(t *testing.T) {
	t.Chdir(t.TempDir())
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"peer", "-data", "d"}, "-id is required"},
		{[]string{"peer", "-id", "0"}, "-data is required"},
		{[]string{"peer", "-id", "0", "-data", "d", "-listen", "127.0.0.1:notaport"}, "-listen 127.0.0.1:notaport"},
		{[]string{"peer", "-id", "x"}, `-id "x"`},
		{[]string{"agent", "-listen", "127.0.0.1:notaport", "-data", "a"}, "-listen 127.0.0.1:notaport"},
		{[]string{"agent", "-interval", "50ms"}, "-interval is not a flag of raftbench agent"},
		{[]string{"-runtime", "process", "-agents", "nohost"}, `-agents "nohost"`},
		{[]string{"-agents", "127.0.0.1:7700"}, "add -runtime process"},
	}
	for _, tc := range cases {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	if _, err := os.Stat("raftbench-out"); err == nil {
		t.Errorf("bad input made an output folder")
	}
}

func TestCompareTwoRuns(t *testing.T) {
	t.Chdir(t.TempDir())
	common := []string{"-interval", "50ms,100ms", "-nodes", "5", "-trials", "300", "-quiet", "0"}
	if code, _, stderr := runCLI(t, append(common, "-seed", "1", "-out", "a")...); code != exitOK {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, append(common, "-seed", "2", "-latency", "20ms", "-out", "b")...); code != exitOK {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "compare", "a", "b", "-out", "cmp")
	if code != exitOK {
		t.Fatalf("compare: exit %d: %s", code, stderr)
	}
	// Two settings matched; 20ms links make the second run's elections
	// about 30ms slower, so its median is far above the first's.
	for _, want := range []string{"50ms, 100-200ms 300 / 300", "100ms, 200-400ms 300 / 300"} {
		if !strings.Contains(strings.Join(strings.Fields(stdout), " "), want) {
			t.Errorf("compare output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stdout, "(+") || !strings.Contains(stdout, " no ") {
		t.Errorf("a run 30ms slower is not shown slower and failing its target:\n%s", stdout)
	}
	for _, f := range []string{"compare-cdf.png", "compare-cdf.svg", "compare.md"} {
		if st, err := os.Stat(filepath.Join("cmp", f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// Same seed and model: every quantile equal, target met.
	runCLI(t, append(common, "-seed", "1", "-out", "c")...)
	_, same, _ := runCLI(t, "compare", "a", "c", "-out", "cmp2")
	if strings.Count(same, " yes") != 2 || strings.Count(same, "(+0%)") != 12 {
		t.Errorf("a run compared with its own rerun is not equal on every quantile:\n%s", same)
	}
	for _, args := range [][]string{{"compare", "a"}, {"compare", "a", "nosuch"}, {"compare", "a", "b", "-bogus"}} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2, one line", args, code, stderr)
		}
	}
}

// startAgentProcess starts `raftbench agent` (this test binary as
// raftbench) on a free loopback port and returns its address and a
// function that stops it by its process id and waits for it.
func startAgentProcess(t *testing.T) (string, func()) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "agent", "-listen", "127.0.0.1:0", "-data", t.TempDir())
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		})
	}
	t.Cleanup(stop)
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "raftbench agent listening on ")
	if err != nil || !ok {
		t.Fatalf("agent did not say where it listens: %q, %v", line, err)
	}
	go io.Copy(io.Discard, out)
	return addr, stop
}

// peersOf lists the running processes of this test binary started as
// peers (whoever their parent now is): only looked at, never signalled.
func peersOf(t *testing.T) []int {
	t.Helper()
	exe, _ := os.Executable()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if len(args) > 1 && args[0] == exe && args[1] == "peer" {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestProcessRuntimeOnAgents(t *testing.T) {
	t.Setenv(asMainEnv, "1")
	t.Chdir(t.TempDir())
	a1, stop1 := startAgentProcess(t)
	a2, stop2 := startAgentProcess(t)
	code, _, stderr := runCLI(t, "-runtime", "process", "-agents", a1+","+a2, "-interval", "20ms", "-election-timeout", "100ms..200ms",
		"-nodes", "3", "-latency", "2ms", "-trials", "3", "-quiet", "200ms", "-out", "run")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	header, rows := readTrials(t, filepath.Join("run", "trials.csv"))
	outcome, u := column(t, header, "outcome"), column(t, header, "clock_uncertainty_ms")
	for i, r := range rows {
		ms, err := strconv.ParseFloat(r[u], 64)
		// Two agents on this host: each offset's uncertainty is half a
		// loopback round trip, so their sum is above zero and well under a
		// few milliseconds.
		if r[outcome] != "converged" || err != nil || ms <= 0 || ms > 5 {
			t.Errorf("trial %d: outcome %q, clock uncertainty %q ms; want converged and a small positive uncertainty", i, r[outcome], r[u])
		}
	}
	if report, err := os.ReadFile(filepath.Join("run", "report.md")); err != nil || !strings.Contains(string(report), "misplaced against each other by up to") {
		t.Errorf("the report does not state the timing uncertainty (%v):\n%s", err, report)
	}
	if left := peersOf(t); len(left) > 0 {
		t.Errorf("peer processes left after the run: %v", left)
	}
	stop1()
	stop2()
	noChildrenLeft(t)
}
