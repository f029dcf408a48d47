package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/live"
	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
)

// probeSettings are `raftbench probe`'s flags.
type probeSettings struct {
	samples int
	gap     time.Duration
	data    string
	target  string
	out     string
	// links, linkLatency, linkInterval and linkFor: the heartbeats of a
	// running cluster of peer processes (-links).
	links        int
	linkLatency  bench.Latencies
	linkInterval time.Duration
	linkFor      time.Duration
}

// The files a probe writes in -out, one per measured quantity.
const (
	latencyFile = "latency.json"
	fsyncFile   = "fsync.json"
	linksFile   = "links.json"
)

// probeFlags declares `raftbench probe`'s flags.
func probeFlags(s *probeSettings) *cli {
	c := newCLI("raftbench probe")
	s.samples, s.gap, s.data, s.out = 1000, 10*time.Millisecond, ".", "raftbench-probe"
	plain(c, c.fs.IntVar, &s.samples, "samples", "round trips, and saves, to measure", "-samples 200")
	plain(c, c.fs.DurationVar, &s.gap, "gap", "pause between two measurements, so each finds the machine idle as a peer's heartbeats and elections do (0: back to back, which measures a warmer machine and shorter times)", "-gap 50ms")
	plain(c, c.fs.StringVar, &s.data, "data", "the folder whose disk is measured (the probe saves in a new folder inside it and removes it): where peers will keep their term and vote", "-data /var/lib/raftbench")
	plain(c, c.fs.StringVar, &s.target, "target", "measure round trips to this running raftbench peer or agent (host:port) instead of to a peer the probe starts on loopback", "-target 10.0.0.5:7700")
	plain(c, c.fs.StringVar, &s.out, "out", "folder for "+latencyFile+" and "+fsyncFile+", the samples -latency empirical:FILE and -fsync empirical:FILE read (made if missing; files of those names in it are replaced)", "-out probes/host-a")
	s.linkInterval, s.linkFor = 50*time.Millisecond, 10*time.Second
	plain(c, c.fs.IntVar, &s.links, "links", "also run N peer processes on loopback as -runtime process does, with -link-latency on every link, and time every heartbeat from its leader's round to a follower's accepting it: what a message pays in such a run, with the peers and the proxies sharing this machine (written to "+linksFile+"; 0: not measured)", "-links 5 -link-latency 5ms")
	c.value(&s.linkLatency, "link-latency", "model", "with -links: the latency the links inject, as -latency takes it", "-link-latency 5ms")
	plain(c, c.fs.DurationVar, &s.linkInterval, "link-interval", "with -links: the heartbeat interval", "-link-interval 100ms")
	plain(c, c.fs.DurationVar, &s.linkFor, "link-for", "with -links: how long the cluster runs", "-link-for 30s")
	return c
}

// runProbe is `raftbench probe`: it measures what a peer pays here for a
// round trip and for a save of its term and vote, writes the samples, and
// prints them as flags the simulator takes. Everything that can be checked
// is checked before the first measurement; nothing is written unless both
// measurements finish.
func runProbe(ctx context.Context, args []string, stdout, stderr io.Writer, interactive bool) int {
	var s probeSettings
	c := probeFlags(&s)
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "raftbench probe: "+format+"\n", a...)
		return code
	}
	if err := c.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(stdout)
			return exitOK
		}
		return fail(exitUsage, "%v", err)
	}
	switch {
	case s.samples < 1:
		return fail(exitUsage, "-samples %d: want 1 or more", s.samples)
	case s.gap < 0:
		return fail(exitUsage, "-gap %v: want 0 or a pause such as 10ms", s.gap)
	case s.out == "":
		return fail(exitUsage, "-out is empty: want the folder for %s and %s", latencyFile, fsyncFile)
	}
	switch {
	case s.links < 0 || s.links == 1 || s.links == 2:
		return fail(exitUsage, "-links %d: want 0 (not measured) or a cluster of 3 or more peers", s.links)
	case s.links > 0 && s.linkInterval < bench.MinTiming:
		return fail(exitUsage, "-link-interval %v: want %v or more", s.linkInterval, bench.MinTiming)
	case s.links > 0 && s.linkFor <= 0:
		return fail(exitUsage, "-link-for %v: want a positive duration such as 10s", s.linkFor)
	case s.links == 0 && (c.isGiven("link-latency") || c.isGiven("link-interval") || c.isGiven("link-for")):
		return fail(exitUsage, "-link-latency, -link-interval and -link-for describe -links: add -links N")
	case len(s.linkLatency.Models) > 1:
		return fail(exitUsage, "-link-latency: give one model")
	}
	if s.target != "" {
		if err := checkHostPort(s.target); err != nil {
			return fail(exitUsage, "-target %q: %v; want host:port of a raftbench peer or agent", s.target, err)
		}
	}
	fsync, err := live.OpenFsyncProbe(s.data)
	if err != nil {
		return fail(exitUsage, "-data %q: %v (choose a folder on the disk to measure)", s.data, err)
	}
	defer fsync.Close()
	undoOut, err := makeOutFolder(s.out)
	if err != nil {
		return fail(exitUsage, "-out %q: %v", s.out, err)
	}
	written := false
	defer func() {
		if !written {
			undoOut()
		}
	}()
	started := time.Now()
	rtt, where, closeRTT, err := openRTTProbe(ctx, s.target)
	if err != nil {
		if ctx.Err() != nil {
			return fail(exitInterrupted, "interrupted; nothing written")
		}
		return fail(exitUsage, "%v", err)
	}
	defer closeRTT()

	o := live.ProbeOptions{Samples: s.samples, Gap: s.gap}
	eta := (time.Duration(s.samples) * s.gap).Round(time.Second)
	fmt.Fprintf(stderr, "raftbench probe: measuring %d round trips to %s, %v apart (about %v)\n", s.samples, where, s.gap, eta)
	rtts, err := measure(ctx, rtt.Measure, o, newCounter(stderr, interactive, s.samples, "round trips"))
	if err != nil {
		return probeFailed(ctx, stderr, err)
	}
	dataDir, _ := filepath.Abs(s.data)
	disk := live.DescribeDisk(s.data)
	fmt.Fprintf(stderr, "raftbench probe: measuring %d saves in %s%s, %v apart (about %v)\n", s.samples, dataDir, parenthesized(disk), s.gap, eta)
	saves, err := measure(ctx, fsync.Measure, o, newCounter(stderr, interactive, s.samples, "saves"))
	if err != nil {
		return probeFailed(ctx, stderr, err)
	}

	files := probeFiles(s, args, started, where, rtt.Addr(), disk, rtts, saves)
	if s.links > 0 {
		f, err := measureLinks(ctx, s, args, started, stderr)
		if err != nil {
			return probeFailed(ctx, stderr, err)
		}
		files = append(files, f)
	}
	if err := writeProbeFiles(s.out, files); err != nil {
		return fail(exitWrite, "writing %s: %v", s.out, err)
	}
	written = true
	printProbe(stdout, s, where, disk, files)
	return exitOK
}

// probeFiles are the files of the two measurements, each saying what,
// when, where and how it measured.
func probeFiles(s probeSettings, args []string, started time.Time, where, addr, disk string, rtts, saves []time.Duration) []probeFile {
	oneWay := make([]time.Duration, len(rtts))
	for i, d := range rtts {
		oneWay[i] = d / 2
	}
	m := sim.Measurement{At: started.UTC().Truncate(time.Second), Platform: runtime.GOOS + "/" + runtime.GOARCH + " " + runtime.Version(),
		Command: "raftbench probe " + quoteArgs(args)}
	m.Host, _ = os.Hostname()
	lat, fs := m, m
	lat.Target = addr
	lat.Method = fmt.Sprintf("one-way latency: half the round trip of a gRPC Control.Clock call to %s through the client peers use, over an open connection (%d warm-up calls not kept), one call every %v", where, live.ProbeWarmup, s.gap)
	fs.Dir, _ = filepath.Abs(s.data)
	fs.Filesystem = disk
	fs.Method = fmt.Sprintf("one save of a peer's term and vote through live.FilePersister (a 32-byte write in place and fsync) in a new folder inside dir (%d warm-up saves not kept), one every %v", live.ProbeWarmup, s.gap)
	return []probeFile{
		{latencyFile, "one-way latency", oneWay, lat},
		{fsyncFile, "fsync", saves, fs},
	}
}

// openRTTProbe opens a probe of target, or of a peer process it starts on
// loopback from this executable, as -runtime process starts its peers, and
// says which in words. done closes the probe and removes what it made.
func openRTTProbe(ctx context.Context, target string) (p *live.RTTProbe, where string, done func(), err error) {
	if target != "" {
		p, err := live.OpenRTTProbe(ctx, target)
		if err != nil {
			return nil, "", nil, err
		}
		return p, "the raftbench peer or agent at " + target, func() { p.Close() }, nil
	}
	cmd, err := peerCommand()
	if err != nil {
		return nil, "", nil, err
	}
	// The loopback peer keeps its (never written) term and vote here, not
	// in -data, whose disk is the FsyncProbe's to measure.
	root, err := os.MkdirTemp("", "raftbench-probe-peer-")
	if err != nil {
		return nil, "", nil, fmt.Errorf("a folder for the loopback peer: %w", err)
	}
	p, err = live.OpenLoopbackRTTProbe(ctx, &live.LocalLauncher{Command: cmd, DataRoot: root})
	if err != nil {
		os.RemoveAll(root)
		return nil, "", nil, err
	}
	return p, "a peer process on loopback (" + p.Addr() + ")", func() { p.Close(); os.RemoveAll(root) }, nil
}

// measure runs a probe's Measure with a progress bar.
func measure(ctx context.Context, m func(context.Context, live.ProbeOptions) ([]time.Duration, error), o live.ProbeOptions, p *progress) ([]time.Duration, error) {
	defer p.finish()
	o.Progress = func(n int) { p.update(n, o.Samples) }
	return m(ctx, o)
}

// probeFailed reports a measurement that stopped part way: interrupted
// (130) or broken off (1). Nothing is written in either case.
func probeFailed(ctx context.Context, stderr io.Writer, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "raftbench probe: interrupted; nothing written")
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "raftbench probe: %v; nothing written\n", err)
	return exitFailed
}

// checkHostPort accepts host:port with a port number.
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	if host == "" {
		return errors.New("no host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}

// makeOutFolder makes dir (and missing parents) and shows it writable; undo
// removes what it made, which is empty unless something was written in it.
func makeOutFolder(dir string) (undo func(), err error) {
	var made []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		made = append(made, d) // leaf first
		if filepath.Dir(d) == d {
			break
		}
	}
	undo = func() {
		for _, d := range made {
			os.Remove(d) // only if empty: never what was there
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		undo()
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".raftbench-probe-")
	if err != nil {
		undo()
		return nil, fmt.Errorf("not writable: %w", err)
	}
	f.Close()
	os.Remove(f.Name())
	return undo, nil
}

func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// quoteArgs is a command line's arguments as a shell takes them.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellWord(a)
	}
	return strings.Join(q, " ")
}

// measureLinks runs s.links peer processes on loopback with the given
// link latency and times their heartbeats (live.MeasureHeartbeats).
func measureLinks(ctx context.Context, s probeSettings, args []string, started time.Time, stderr io.Writer) (probeFile, error) {
	cmd, err := peerCommand()
	if err != nil {
		return probeFile{}, err
	}
	root, err := os.MkdirTemp(s.data, ".raftbench-links-")
	if err != nil {
		return probeFile{}, err
	}
	defer os.RemoveAll(root)
	var latency sim.Latency
	if len(s.linkLatency.Models) == 1 {
		latency = s.linkLatency.Models[0]
	}
	cfg := live.Config{
		Nodes: s.links, Seed: 1, Launcher: &live.LocalLauncher{Command: cmd, DataRoot: root},
		Raft:    raft.Config{HeartbeatInterval: s.linkInterval, ElectionTimeoutMin: 2 * s.linkInterval, ElectionTimeoutMax: 4 * s.linkInterval},
		Network: sim.Network{Latency: latency},
	}
	fmt.Fprintf(stderr, "raftbench probe: timing the heartbeats of %d peer processes on loopback, latency %v, every %v, for %v\n",
		s.links, latencyLabel(latency), s.linkInterval, s.linkFor)
	samples, err := live.MeasureHeartbeats(ctx, cfg, s.linkFor)
	if err != nil {
		return probeFile{}, err
	}
	if len(samples) == 0 {
		return probeFile{}, fmt.Errorf("no heartbeat was accepted in %v: no leader was elected", s.linkFor)
	}
	m := sim.Measurement{At: started.UTC().Truncate(time.Second), Platform: runtime.GOOS + "/" + runtime.GOARCH + " " + runtime.Version(),
		Command: "raftbench probe " + quoteArgs(args),
		Method: fmt.Sprintf("one-way time of every heartbeat of %d raftbench peer processes on loopback (a leader's round to a follower's accepting it, both stamped by the peers) with latency %v injected on every link by the driver's proxies, every %v, for %v",
			s.links, latencyLabel(latency), s.linkInterval, s.linkFor)}
	m.Host, _ = os.Hostname()
	return probeFile{linksFile, "one-way latency in a running cluster", samples, m}, nil
}

func latencyLabel(l sim.Latency) string {
	if l == nil {
		return "none"
	}
	return l.String()
}
