package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/live"
	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/sim"
	"google.golang.org/grpc"
)

// probeCLI runs raftbench probe; its loopback peer is this test binary
// (TestMain).
func probeCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv(asMainEnv, "1")
	return runCLI(t, append([]string{"probe"}, args...)...)
}

func readSamples(t *testing.T, path string) (*sim.SampleFile, []time.Duration) {
	t.Helper()
	f, err := sim.ReadSampleFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Durations()
	if err != nil {
		t.Fatal(err)
	}
	return f, d
}

// quantile is the smallest sample whose cumulative share reaches p, in ms,
// computed here from the file's samples, not by the code under test.
func quantile(samples []time.Duration, p float64) float64 {
	s := slices.Sorted(slices.Values(samples))
	i := max(int(math.Ceil(p*float64(len(s))))-1, 0)
	return float64(s[i]) / 1e6
}

// leftovers lists what a probe left in a folder it measured.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestProbeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "disk")
	os.Mkdir(data, 0o755)
	out := filepath.Join(dir, "probes", "here")
	started := time.Now().Add(-time.Second)
	code, stdout, stderr := probeCLI(t, "-samples", "30", "-gap", "1ms", "-data", data, "-out", out)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "measuring 30 round trips") || !strings.Contains(stderr, "measuring 30 saves in "+data) {
		t.Errorf("stderr shows no progress:\n%s", stderr)
	}
	latFile, lat := readSamples(t, filepath.Join(out, "latency.json"))
	fsFile, fs := readSamples(t, filepath.Join(out, "fsync.json"))
	for name, s := range map[string][]time.Duration{"latency": lat, "fsync": fs} {
		if len(s) != 30 {
			t.Errorf("%s: %d samples; want 30", name, len(s))
		}
		for i, d := range s {
			if d <= 0 || d > time.Second {
				t.Errorf("%s: sample %d is %v", name, i, d)
			}
		}
	}
	if latFile.Quantity != "one-way latency" || fsFile.Quantity != "fsync" || latFile.Unit != "ms" {
		t.Errorf("quantities %q, %q, unit %q", latFile.Quantity, fsFile.Quantity, latFile.Unit)
	}
	if !strings.HasPrefix(latFile.Measured.Target, "127.0.0.1:") || fsFile.Measured.Dir != data ||
		!strings.Contains(latFile.Measured.Command, "-samples 30") || latFile.Measured.Method == "" {
		t.Errorf("measurement: %+v / %+v", latFile.Measured, fsFile.Measured)
	}
	if at := latFile.Measured.At; at.Before(started) || at.After(time.Now()) {
		t.Errorf("measured at %v; the test started at %v", at, started)
	}
	if l := leftovers(t, data); len(l) != 0 {
		t.Errorf("left %v in the measured folder", l)
	}
	if kids := children(t); len(kids) != 0 {
		t.Errorf("the loopback peer is still running: processes %v", kids)
	}
	if l := leftovers(t, out); !slices.Equal(l, []string{"fsync.json", "latency.json"}) {
		t.Errorf("-out holds %v; want the two files only", l)
	}

	// The table's figures are the files' samples' quantiles.
	for label, samples := range map[string][]time.Duration{"one-way (ms)": lat, "fsync (ms)": fs} {
		i := strings.Index(stdout, "  "+label)
		if i < 0 {
			t.Fatalf("no %q row:\n%s", label, stdout)
		}
		line, _, _ := strings.Cut(stdout[i+len(label)+2:], "\n")
		f := strings.Fields(line)
		if len(f) != 8 || f[0] != "30" {
			t.Fatalf("%s row %q; want n and 7 figures", label, line)
		}
		var sum float64
		for _, d := range samples {
			sum += float64(d) / 1e6
		}
		want := []float64{quantile(samples, 0), quantile(samples, 0.1), quantile(samples, 0.5), quantile(samples, 0.9),
			quantile(samples, 0.99), quantile(samples, 1), sum / 30}
		for k, w := range want {
			got, err := strconv.ParseFloat(f[k+1], 64)
			// Printed to 3 decimals: half a unit of the last place, and a
			// hair more for a mean that sits on the rounding boundary.
			if err != nil || math.Abs(got-w) > 0.0005+1e-9 {
				t.Errorf("%s column %d is %s; want %.3f", label, k+1, f[k+1], w)
			}
		}
	}

	// Every model printed is one the simulator takes, each flag offers
	// the three fits, and the empirical flags name the files.
	var fits map[string]int = map[string]int{}
	var empirical []string
	for _, line := range strings.Split(stdout, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || (f[0] != "-latency" && f[0] != "-fsync") {
			continue
		}
		if strings.HasPrefix(f[1], "empirical:") {
			empirical = f
			continue
		}
		if _, err := sim.ParseLatency(f[1]); err != nil {
			t.Errorf("printed %s %s, which does not parse: %v", f[0], f[1], err)
		}
		kind, _, _ := strings.Cut(f[1], ":")
		fits[f[0]+" "+kind]++
	}
	for _, k := range []string{"-latency normal", "-latency lognormal", "-latency exponential", "-fsync normal", "-fsync lognormal", "-fsync exponential"} {
		if fits[k] != 1 {
			t.Errorf("%s printed %d times; want once:\n%s", k, fits[k], stdout)
		}
	}
	wantFlags := []string{"-latency", "empirical:" + filepath.Join(out, "latency.json"), "-fsync", "empirical:" + filepath.Join(out, "fsync.json")}
	if !slices.Equal(empirical, wantFlags) {
		t.Fatalf("empirical flags %q; want %q", empirical, wantFlags)
	}

	// They paste into a simulated sweep, whose result files carry them.
	args := append([]string{"-interval", "50ms", "-trials", "5", "-quiet", "200ms", "-out=", "-format", "json"}, empirical...)
	code, sweep, sweepErr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, sweepErr)
	}
	for _, w := range []string{`"latency": "` + wantFlags[1] + `"`, `"fsync": "` + wantFlags[3] + `"`, `"trials_done": 5`} {
		if !strings.Contains(sweep, w) {
			t.Errorf("summary lacks %s:\n%s", w, sweep)
		}
	}
	// And so does the example command, as printed.
	i := strings.Index(stdout, "e.g. raftbench ")
	if i < 0 {
		t.Fatalf("no example command:\n%s", stdout)
	}
	example, _, _ := strings.Cut(stdout[i+len("e.g. raftbench "):], "\n")
	args = append(strings.Fields(example), "-trials", "2", "-quiet", "0", "-out=")
	if code, _, e := runCLI(t, args...); code != exitOK {
		t.Errorf("the example %v: exit %d: %s", args, code, e)
	}
}

// startPeer runs a raftbench peer in the test process and returns its
// address, as an agent or a peer on another host would serve -target.
func startPeer(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- live.RunPeer(ctx, live.PeerOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir()}, w) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("peer: %v", err)
		}
	})
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, r)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), live.ListeningPrefix)
	if !ok {
		t.Fatalf("peer said %q", line)
	}
	return addr
}

func TestProbeTarget(t *testing.T) {
	addr := startPeer(t)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := probeCLI(t, "-target", addr, "-samples", "10", "-gap", "0", "-data", t.TempDir(), "-out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "10 round trips to the raftbench peer or agent at "+addr) {
		t.Errorf("stdout does not name the target:\n%s", stdout)
	}
	f, samples := readSamples(t, filepath.Join(out, "latency.json"))
	if f.Measured.Target != addr || len(samples) != 10 {
		t.Errorf("latency.json: target %q, %d samples; want %s and 10", f.Measured.Target, len(samples), addr)
	}
}

// slowClock answers Clock after a known delay, so a round trip's length is
// known from outside the code under test.
type slowClock struct {
	livepb.UnimplementedControlServer
	delay time.Duration
}

func (s slowClock) Clock(context.Context, *livepb.ClockRequest) (*livepb.ClockReply, error) {
	time.Sleep(s.delay)
	return &livepb.ClockReply{UnixNano: time.Now().UnixNano()}, nil
}

// The latency file holds one-way delays: half of each round trip.
func TestProbeHalvesRoundTrips(t *testing.T) {
	const delay = 40 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	livepb.RegisterControlServer(srv, slowClock{delay: delay})
	go srv.Serve(ln)
	defer srv.Stop()
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := probeCLI(t, "-target", ln.Addr().String(), "-samples", "5", "-gap", "0", "-data", t.TempDir(), "-out", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, samples := readSamples(t, filepath.Join(out, "latency.json"))
	for _, d := range samples {
		// A round trip is the delay and a loopback call's cost: half of
		// it is at least delay/2, and short of the whole delay unless a
		// call's own cost reached delay/2 (20ms) on loopback.
		if d < delay/2 || d >= delay {
			t.Errorf("one-way sample %v; want half of a %v round trip", d, delay)
		}
	}
}

func TestProbeBadInputExits2AndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "disk")
	os.Mkdir(data, 0o755)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nobody serves there
	out := filepath.Join(dir, "never", "made")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-samples", "0"}, "-samples 0: want 1 or more"},
		{[]string{"-samples", "x"}, `-samples "x": want a whole number`},
		{[]string{"-gap", "-1ms"}, "-gap -1ms: want 0 or a pause"},
		{[]string{"-gap", "soon"}, `-gap "soon"`},
		{[]string{"-data", filepath.Join(dir, "absent")}, `-data "` + filepath.Join(dir, "absent") + `": stat`},
		{[]string{"-data", file}, "is not a folder"},
		{[]string{"-out", file}, `-out "` + file + `"`},
		{[]string{"-out", filepath.Join(file, "sub")}, `-out "` + filepath.Join(file, "sub") + `"`},
		{[]string{"-out="}, "-out is empty"},
		{[]string{"-target", "nohostport"}, `-target "nohostport": address nohostport: missing port in address; want host:port`},
		{[]string{"-target", "127.0.0.1:99999"}, "port \"99999\" is not a number from 1 to 65535"},
		{[]string{"-target", ":7000"}, "no host"},
		{[]string{"-target", closed, "-gap", "0"}, "no raftbench peer or agent answers at " + closed},
		{[]string{"stray"}, `unexpected argument "stray"`},
		{[]string{"-trials", "3"}, "-trials is not a flag of raftbench probe"},
		{[]string{"-sample", "3"}, "did you mean -samples?"},
	}
	for _, tc := range cases {
		args := append([]string{"-data", data, "-out", out, "-samples", "3"}, tc.args...)
		code, stdout, stderr := probeCLI(t, args...)
		if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "raftbench probe: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line", tc.args, code, stdout, stderr)
		}
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: %q lacks %q", tc.args, stderr, tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "never")); !os.IsNotExist(err) {
			t.Fatalf("%v: made %s (%v)", tc.args, out, err)
		}
		if l := leftovers(t, data); len(l) != 0 {
			t.Fatalf("%v: left %v in -data", tc.args, l)
		}
	}
}

func TestProbeRefusesAReadOnlyFolder(t *testing.T) {
	ro := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(ro, 0o555)
	if f, err := os.CreateTemp(ro, "x"); err == nil {
		f.Close()
		t.Skipf("%s is writable whatever its mode (running as root?)", ro)
	}
	for _, flagName := range []string{"-data", "-out"} {
		args := []string{"-samples", "3", "-data", t.TempDir(), "-out", filepath.Join(t.TempDir(), "out")}
		args = append(args, flagName, ro)
		code, _, stderr := probeCLI(t, args...)
		if code != exitUsage || !strings.Contains(stderr, flagName+` "`+ro+`"`) || !strings.Contains(stderr, "permission denied") {
			t.Errorf("%s read-only: exit %d, %q", flagName, code, stderr)
		}
	}
}

func TestProbeInterruptedWritesNothing(t *testing.T) {
	t.Setenv(asMainEnv, "1")
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// Cancelled as Ctrl-C cancels a run (a deadline on the context would
	// race gRPC's own timer for the same instant).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(500*time.Millisecond, cancel)
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"probe", "-samples", "100000", "-gap", "10ms", "-data", dir, "-out", out}, &stdout, &stderr, false)
	if code != exitInterrupted || !strings.Contains(stderr.String(), "interrupted; nothing written") || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 130 and nothing written", code, stdout.String(), stderr.String())
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("left %v", l)
	}
	if kids := children(t); len(kids) != 0 {
		t.Errorf("the loopback peer is still running: processes %v", kids)
	}
}

func TestProbeLinksOfARunningCluster(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	code, stdout, stderr := probeCLI(t, "-samples", "5", "-gap", "0", "-data", dir, "-out", out,
		"-links", "3", "-link-latency", "3ms", "-link-interval", "20ms", "-link-for", "1s")
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	f, links := readSamples(t, filepath.Join(out, "links.json"))
	// After an election (~40-80ms), 2 followers x a round every 20ms.
	if len(links) < 40 {
		t.Fatalf("%d heartbeats timed in 1s; want at least 40", len(links))
	}
	slices.Sort(links)
	if med := links[len(links)/2]; med < 3*time.Millisecond || med > 20*time.Millisecond {
		t.Errorf("median heartbeat %v with 3ms injected; want 3ms and a little more", med)
	}
	if !strings.Contains(f.Measured.Method, "3 raftbench peer processes") || !strings.Contains(stdout, "links (ms)") ||
		!strings.Contains(stdout, "-latency empirical:"+filepath.Join(out, "links.json")) {
		t.Errorf("the file or the output does not say what the links are:\n%s\n%+v", stdout, f.Measured)
	}
	if kids := children(t); len(kids) != 0 {
		t.Errorf("peer processes left: %v", kids)
	}
	if l := leftovers(t, dir); len(l) != 1 || l[0] != "out" {
		t.Errorf("left %v in -data; want only the -out folder", l)
	}
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"-links", "2"}, "-links"},
		{[]string{"-link-latency", "5ms"}, "-link-latency"},
		{[]string{"-links", "3", "-link-for", "0s"}, "-link-for"},
	} {
		if code, _, stderr := probeCLI(t, append([]string{"-data", dir, "-out", filepath.Join(dir, "x")}, tc.args...)...); code != exitUsage || !strings.Contains(stderr, tc.flag) {
			t.Errorf("%v: exit %d, %q; want 2 naming %s", tc.args, code, stderr, tc.flag)
		}
	}
}
