package live

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"google.golang.org/grpc"
)

// serveLoopback serves a peer's services on 127.0.0.1 in the test process:
// the server a peer process runs, unconfigured, which Clock needs no more
// of.
func serveLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{events: newEventQueue(), done: make(chan struct{})}
	srv := grpc.NewServer()
	livepb.RegisterRaftServer(srv, p)
	livepb.RegisterControlServer(srv, p)
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return ln.Addr().String()
}

// progressOf records the counts a probe reports.
func progressOf(o *ProbeOptions) *[]int {
	var seen []int
	o.Progress = func(done int) { seen = append(seen, done) }
	return &seen
}

// checkProgress wants 1, 2, ..., n: one report per kept sample, warm-up
// excluded.
func checkProgress(t *testing.T, seen []int, n int) {
	t.Helper()
	if len(seen) != n {
		t.Fatalf("progress reported %d times; want %d", len(seen), n)
	}
	for i, d := range seen {
		if d != i+1 {
			t.Fatalf("progress %v; want 1..%d", seen, n)
		}
	}
}

func TestMeasureFsync(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "raft-state"), []byte("a peer's, not the probe's"), 0o644)
	o := ProbeOptions{Samples: 25, Gap: time.Millisecond}
	seen := progressOf(&o)
	samples, err := MeasureFsync(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 25 {
		t.Fatalf("%d samples; want 25", len(samples))
	}
	for i, d := range samples {
		// A write and an fsync take time on any disk; a second would be a
		// disk no peer could elect on, or a timer that measured the gap.
		if d <= 0 || d > time.Second {
			t.Errorf("sample %d is %v", i, d)
		}
	}
	checkProgress(t, *seen, 25)
	// It measured in a folder of its own and took it away: what was in
	// dir is there, untouched, and nothing else.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "raft-state" {
		t.Errorf("left %v in the measured folder", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "raft-state")); string(b) != "a peer's, not the probe's" {
		t.Errorf("touched a file that was there: %q", b)
	}
}

func TestMeasureFsyncRefusesAFolderItCannotUse(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	cases := []struct{ dir, want string }{
		{filepath.Join(dir, "absent"), "no such file"},
		{file, "is not a folder"},
	}
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	// root writes in a folder whatever its mode says; then the kernel has
	// no read-only folder to offer this test.
	if f, err := os.CreateTemp(ro, "x"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Logf("%s is writable (running as root?): its case is skipped", ro)
	} else {
		cases = append(cases, struct{ dir, want string }{ro, "cannot write in " + ro})
	}
	for _, tc := range cases {
		_, err := MeasureFsync(context.Background(), tc.dir, ProbeOptions{Samples: 3})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("MeasureFsync(%s) error %v; want one containing %q", tc.dir, err, tc.want)
		}
	}
	for _, n := range []int{0, -1} {
		if _, err := MeasureFsync(context.Background(), dir, ProbeOptions{Samples: n}); err == nil {
			t.Errorf("MeasureFsync accepted %d samples", n)
		}
	}
}

func TestMeasureRTTOverLoopback(t *testing.T) {
	addr := serveLoopback(t)
	const gap = 20 * time.Millisecond
	o := ProbeOptions{Samples: 20, Gap: gap}
	seen := progressOf(&o)
	start := time.Now()
	samples, err := MeasureRTT(context.Background(), addr, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 20 {
		t.Fatalf("%d samples; want 20", len(samples))
	}
	checkProgress(t, *seen, 20)
	// The gap comes before every kept call but is not part of any: a
	// loopback round trip takes tens or hundreds of microseconds, and a
	// median as long as the gap means the pause was timed too.
	if took, least := time.Since(start), 20*gap; took < least {
		t.Errorf("took %v; want at least %v of gaps", took, least)
	}
	for i, d := range samples {
		if d <= 0 {
			t.Errorf("sample %d is %v", i, d)
		}
	}
	sorted := slices.Sorted(slices.Values(samples))
	if med := sorted[len(sorted)/2]; med >= gap {
		t.Errorf("median round trip %v on loopback; want well under the %v gap", med, gap)
	}
}

// The loopback probe runs a real peer process and kills it when closed.
func TestLoopbackRTTProbeStartsAndEndsAPeer(t *testing.T) {
	l := &recordingLauncher{Launcher: testLauncher(t)}
	p, err := OpenLoopbackRTTProbe(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := p.Measure(context.Background(), ProbeOptions{Samples: 10, Gap: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 10 || !strings.HasPrefix(p.Addr(), "127.0.0.1:") || l.proc == nil || p.Addr() != l.proc.Addr() {
		t.Fatalf("%d samples from %q; want 10 from the peer launched on 127.0.0.1", len(samples), p.Addr())
	}
	select {
	case <-l.proc.Exited():
		t.Fatal("the peer process ended before the probe was closed")
	default:
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.proc.Exited():
	default:
		t.Fatal("the peer process is still running")
	}
	if err := syscall.Kill(l.proc.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d: kill -0 says %v; want no such process", l.proc.PID(), err)
	}
}

type recordingLauncher struct {
	Launcher
	proc Process
}

func (l *recordingLauncher) Launch(ctx context.Context, id int) (Process, error) {
	p, err := l.Launcher.Launch(ctx, id)
	l.proc = p
	return p, err
}

func TestMeasureRTTWithNobodyThere(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port nobody serves
	start := time.Now()
	_, err = MeasureRTT(context.Background(), addr, ProbeOptions{Samples: 5})
	if err == nil || !strings.Contains(err.Error(), "no raftbench peer or agent answers at "+addr) {
		t.Errorf("error %v; want it to name %s", err, addr)
	}
	// Refused at once, not after the call timeout.
	if took := time.Since(start); took >= probeCallTimeout {
		t.Errorf("took %v to find nobody there", took)
	}
}

func TestProbesStopWhenCancelled(t *testing.T) {
	addr := serveLoopback(t)
	for name, probe := range map[string]func(context.Context, ProbeOptions) ([]time.Duration, error){
		"rtt": func(ctx context.Context, o ProbeOptions) ([]time.Duration, error) { return MeasureRTT(ctx, addr, o) },
		"fsync": func(ctx context.Context, o ProbeOptions) ([]time.Duration, error) {
			return MeasureFsync(ctx, t.TempDir(), o)
		},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		o := ProbeOptions{Samples: 1000, Gap: 10 * time.Millisecond, Progress: func(done int) {
			if done == 3 {
				cancel()
			}
		}}
		start := time.Now()
		samples, err := probe(ctx, o)
		cancel()
		if !errors.Is(err, context.Canceled) || samples != nil {
			t.Errorf("%s: %d samples, error %v; want none and context.Canceled", name, len(samples), err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %v to stop", name, took)
		}
	}
}

// An agent serves its own Clock, not a peer's Control service: the probe
// measures it all the same.
func TestMeasureRTTToAnAgent(t *testing.T) {
	addr := startAgent(t, testLauncher(t).Command)
	samples, err := MeasureRTT(context.Background(), addr, ProbeOptions{Samples: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 5 {
		t.Errorf("%d samples; want 5", len(samples))
	}
}

// A gRPC server that is neither a peer nor an agent is named as such.
func TestMeasureRTTToSomethingElse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	livepb.RegisterRaftServer(srv, &peer{}) // Raft only: no Clock of any kind
	go srv.Serve(ln)
	defer srv.Stop()
	_, err = MeasureRTT(context.Background(), ln.Addr().String(), ProbeOptions{Samples: 1})
	if err == nil || !strings.Contains(err.Error(), "no raftbench peer or agent answers at "+ln.Addr().String()) || !strings.Contains(err.Error(), "Unimplemented") {
		t.Errorf("error %v; want it to say no peer or agent answers, and why", err)
	}
}
