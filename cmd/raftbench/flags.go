package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/report"
	"github.com/raftbench/raftbench/sim"
	"github.com/raftbench/raftbench/traces"
	"github.com/spf13/pflag"
)

// usageError is bad input: the CLI prints it on one line and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func flagError(flag, value string, err error) error {
	return &usageError{fmt.Sprintf("-%s %q: %v", flag, value, err)}
}

// flagValues are the raw flag values, before parsing into a sweep.
type flagValues struct {
	interval, timeout, nodes, loss string
	latency                        []string
	scenario, runtime, format, out string
	trials, parallel, eligible     int
	seed                           uint64
	persistDelay, rpcTimeout       time.Duration
	bootSkew, duration, limit      time.Duration
	quiet, timerJitter             time.Duration
	timeoutResolution              time.Duration
	preset                         string
	fsync                          string
	maxRPCRate, maxSpurious        float64
	otlpEndpoint, otlpProtocol     string
	traceFile                      string
	traceTrials                    int
}

// examples are shown under each flag in -h.
var examples = map[string]string{
	"interval":              "-interval 50ms..200ms   -interval 50ms..200ms:10ms   -interval 75ms,150ms",
	"election-timeout":      "-election-timeout 150ms..300ms   -election-timeout 3x..6x,5x..10x   -election-timeout 150ms",
	"nodes":                 "-nodes 5   -nodes 3,5,7",
	"latency":               "-latency 5ms   -latency normal:5ms,1ms -latency lognormal:5ms,0.5",
	"loss":                  "-loss 0.01   -loss 0,0.01,0.05",
	"fsync":                 "-fsync 2ms   -fsync normal:4ms,1ms   -fsync uniform:1ms..8ms",
	"persist-delay":         "-persist-delay 5ms (the same as -fsync 5ms)",
	"rpc-timeout":           "-rpc-timeout 200ms",
	"timer-jitter":          "-timer-jitter 1ms",
	"timeout-resolution":    "-timeout-resolution 1ms (LogCabin: 150ms..151ms is 150ms or 151ms)",
	"scenario":              "-scenario cold-start",
	"eligible":              "-eligible 3",
	"boot-skew":             "-scenario cold-start -boot-skew 20ms",
	"duration":              "-scenario steady -duration 1h",
	"limit":                 "-limit 1m",
	"quiet":                 "-quiet 10s   -quiet 0 (no quiet window)",
	"trials":                "-trials 1000",
	"seed":                  "-seed 42",
	"parallel":              "-parallel 1",
	"runtime":               "-runtime real",
	"out":                   "-out results/run1   -out= (no folder)",
	"format":                "-format csv",
	"preset":                "-preset raft-paper   -preset raft-paper-scaled",
	"otlp-endpoint":         "-otlp-endpoint 127.0.0.1:4317   -otlp-endpoint 127.0.0.1:4318 -otlp-protocol http",
	"otlp-protocol":         "-otlp-protocol http",
	"trace-file":            "-trace-file trials.otlp.json",
	"trace-trials":          "-trace-trials 10",
	"max-rpc-rate":          "-max-rpc-rate 50",
	"max-spurious-per-hour": "-max-spurious-per-hour 0.1",
}

func newFlagSet(name string, v *flagValues) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, on one line
	fs.SortFlags = false
	d := bench.DefaultOptions()
	fs.StringVar(&v.interval, "interval", "100ms", "heartbeat interval(s): a duration, a list, or a range MIN..MAX[:STEP] (default step: 4-8 round values)")
	fs.StringVar(&v.timeout, "election-timeout", "2x..4x", "randomized election-timeout range(s) MIN..MAX, as durations or multiples of the interval; each range is one setting (default: the paper's rule, min = 2 x interval, max = 2 x min)")
	fs.StringVar(&v.nodes, "nodes", "5", "cluster size(s)")
	fs.StringArrayVar(&v.latency, "latency", []string{"5ms"}, "one-way latency model; repeat the flag to sweep several: "+sim.LatencyForms)
	fs.StringVar(&v.loss, "loss", "0", "probability that any one message (request or reply) is lost, in [0,1); a list sweeps")
	fs.StringVar(&v.fsync, "fsync", "0s", "time one write of a peer's term and vote takes, a latency model: paid by a candidate before its RequestVotes go out, by a voter before it grants (twice when it also adopts the candidate's newer term), by any peer adopting a newer term before it answers; the peer handles nothing else until the write is done: "+sim.LatencyForms)
	fs.DurationVar(&v.persistDelay, "persist-delay", 0, "a constant -fsync (kept for older command lines)")
	fs.DurationVar(&v.rpcTimeout, "rpc-timeout", 0, fmt.Sprintf("when a call with no reply returns false (0: %v)", sim.DefaultRPCTimeout))
	fs.DurationVar(&v.timerJitter, "timer-jitter", 0, "let every peer timer fire up to this late, at random, as real OS timers do (0: exact)")
	fs.DurationVar(&v.timeoutResolution, "timeout-resolution", 0, "draw election timeouts in whole steps of this size, as implementations do (LogCabin: 1ms; 0: any nanosecond)")
	fs.StringVar(&v.scenario, "scenario", string(d.Scenario), "leader-crash (the paper's failover), cold-start, partition or steady")
	fs.IntVar(&v.eligible, "eligible", 0, "leader-crash/partition: K, a majority: peers 0..K-1 hold the newest log, the rest lag and cannot win; the crashed (or isolated) leader is always one of the K, so K-1 survivors can win and the other N-K cannot (0: all)")
	fs.DurationVar(&v.bootSkew, "boot-skew", 0, "boot each peer at a random time in [0, skew]")
	fs.DurationVar(&v.duration, "duration", d.Duration, "steady: simulated time to run after the first stable leader")
	fs.DurationVar(&v.quiet, "quiet", d.Quiet, "after a trial's measured phase converged, run on this long without faults to count spurious elections and the steady RPC rate (steady uses -duration)")
	fs.DurationVar(&v.limit, "limit", d.Limit, "per trial phase: give up waiting for a stable leader after this long (the trial is recorded as not converged)")
	fs.IntVar(&v.trials, "trials", d.Trials, "trials per setting")
	fs.Uint64Var(&v.seed, "seed", d.Seed, "run seed; every trial's seed derives from it (replay: the trial's seed from trials.csv)")
	fs.IntVar(&v.parallel, "parallel", runtime.NumCPU(), "worker goroutines; results do not depend on it")
	fs.StringVar(&v.runtime, "runtime", "virtual", "virtual (simulated time, deterministic) or real (wall-clock time)")
	fs.StringVar(&v.out, "out", "", "output folder (default: a new timestamped folder under ./raftbench-out; empty with -out= for none)")
	fs.StringVar(&v.format, "format", "table", "standard output: table, csv (one row per setting) or json (the summary)")
	addReportFlags(fs, v)
	fs.StringVar(&v.otlpEndpoint, "otlp-endpoint", "", "send OpenTelemetry spans to this OTLP receiver (host:port or URL), e.g. a local Jaeger")
	fs.StringVar(&v.otlpProtocol, "otlp-protocol", "grpc", "OTLP transport for -otlp-endpoint: grpc or http")
	fs.StringVar(&v.traceFile, "trace-file", "", "write the spans to this file as OTLP/JSON (Jaeger's \"Upload JSON\" and /api/transform accept it)")
	fs.IntVar(&v.traceTrials, "trace-trials", 3, "with -otlp-endpoint or -trace-file: trace only the first N trials of every setting")
	fs.StringVar(&v.preset, "preset", "", "a ready-made experiment: raft-paper (the Raft paper's failover measurement, Figure 16 top) or raft-paper-scaled (Figure 16 bottom); it sets the settings, network and trials")
	return fs
}

// addReportFlags adds the recommendation's limits.
func addReportFlags(fs *pflag.FlagSet, v *flagValues) {
	l := report.DefaultLimits()
	fs.Float64Var(&v.maxRPCRate, "max-rpc-rate", l.MaxRPCRate, "report: recommend only settings whose cluster sends at most this many RPCs per second with no faults")
	fs.Float64Var(&v.maxSpurious, "max-spurious-per-hour", l.MaxSpuriousPerHour, "report: recommend only settings with at most this many fault-free elections per hour")
}

// tracing reads the trace flags.
func (v *flagValues) tracing(fs *pflag.FlagSet) (traces.Config, error) {
	cfg := traces.Config{Endpoint: v.otlpEndpoint, File: v.traceFile}
	if v.otlpEndpoint != "" {
		cfg.Protocol = v.otlpProtocol
	}
	if v.otlpProtocol != "grpc" && v.otlpProtocol != "http" {
		return cfg, flagError("otlp-protocol", v.otlpProtocol, fmt.Errorf("want grpc or http"))
	}
	if fs.Changed("otlp-protocol") && v.otlpEndpoint == "" {
		return cfg, flagError("otlp-protocol", v.otlpProtocol, fmt.Errorf("needs -otlp-endpoint"))
	}
	if v.traceTrials < 0 {
		return cfg, flagError("trace-trials", fmt.Sprint(v.traceTrials), fmt.Errorf("want 0 or more"))
	}
	if v.traceFile != "" {
		if fi, err := os.Stat(v.traceFile); err == nil && fi.IsDir() {
			return cfg, flagError("trace-file", v.traceFile, fmt.Errorf("is a folder; want a file name"))
		}
		probe, err := os.CreateTemp(filepath.Dir(v.traceFile), ".raftbench-probe-")
		if err != nil {
			return cfg, flagError("trace-file", v.traceFile, fmt.Errorf("its folder is missing or not writable"))
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	return cfg, nil
}

func (v *flagValues) limits() (report.Limits, error) {
	l := report.Limits{MaxRPCRate: v.maxRPCRate, MaxSpuriousPerHour: v.maxSpurious}
	if !(l.MaxRPCRate > 0) {
		return l, flagError("max-rpc-rate", fmt.Sprint(v.maxRPCRate), fmt.Errorf("want a positive number of RPCs per second"))
	}
	if !(l.MaxSpuriousPerHour >= 0) {
		return l, flagError("max-spurious-per-hour", fmt.Sprint(v.maxSpurious), fmt.Errorf("want 0 or more"))
	}
	return l, nil
}

// goStyleArgs lets users type Go-style -name flags: pflag reads a single dash
// as shorthand letters, so a known long name behind one dash gets a second.
func goStyleArgs(fs *pflag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' {
			name, _, _ := strings.Cut(a[1:], "=")
			if fs.Lookup(name) != nil {
				a = "-" + a
			}
		}
		out = append(out, a)
	}
	return out
}

// sweepSpec is a parsed command line.
type sweepSpec struct {
	settings  []bench.Setting
	options   bench.Options
	intervals []time.Duration
	timeouts  []timeoutRange
	warnings  []string
}

func (s *sweepSpec) totalTrials() int {
	n := 0
	for _, st := range s.settings {
		if st.Trials > 0 {
			n += st.Trials
		} else {
			n += s.options.Trials
		}
	}
	return n
}

// parseSweep turns flag values into settings and options, or a usageError
// naming the flag.
func parseSweep(v *flagValues, fs *pflag.FlagSet) (*sweepSpec, error) {
	if v.preset != "" {
		return presetSweep(v, fs)
	}
	spec := &sweepSpec{}
	var err error
	if spec.intervals, err = parseDurationList(v.interval); err != nil {
		return nil, flagError("interval", v.interval, err)
	}
	if spec.timeouts, err = parseTimeoutRanges(v.timeout); err != nil {
		return nil, flagError("election-timeout", v.timeout, err)
	}
	nodes, err := parseNodes(v.nodes)
	if err != nil {
		return nil, flagError("nodes", v.nodes, err)
	}
	var latencies []sim.Latency
	for _, l := range v.latency {
		model, err := sim.ParseLatency(l)
		if err != nil {
			return nil, flagError("latency", l, err)
		}
		latencies = append(latencies, model)
	}
	losses, err := parseLosses(v.loss)
	if err != nil {
		return nil, flagError("loss", v.loss, err)
	}
	o, err := commonOptions(v, fs)
	if err != nil {
		return nil, err
	}
	if o.Scenario, err = bench.ParseScenario(v.scenario); err != nil {
		return nil, flagError("scenario", v.scenario, err)
	}
	spec.options = o

	seen := map[string]bool{}
	for _, iv := range spec.intervals {
		for _, tr := range spec.timeouts {
			lo, hi := tr.resolve(iv)
			for _, n := range nodes {
				if field, err := o.CheckNodes(n); err != nil {
					value := v.nodes
					if field == "eligible" {
						value = fmt.Sprint(v.eligible)
					}
					return nil, flagError(field, value, err)
				}
				for _, lat := range latencies {
					for _, loss := range losses {
						s := bench.Setting{Interval: iv, TimeoutMin: lo, TimeoutMax: hi, Nodes: n, Latency: lat, Loss: loss, TimeoutSpec: tr.String()}
						if err := s.Raft(o).Validate(); err != nil {
							return nil, flagError("election-timeout", v.timeout, err)
						}
						for _, w := range append(s.Raft(o).Warnings(), networkWarnings(s, o)...) {
							if !seen[w] {
								seen[w] = true
								spec.warnings = append(spec.warnings, w)
							}
						}
						spec.settings = append(spec.settings, s)
					}
				}
			}
		}
	}
	if len(spec.settings) > maxSweepValues {
		return nil, &usageError{fmt.Sprintf("the sweep has %d settings; at most %d (narrow -interval, -election-timeout, -nodes, -latency or -loss)", len(spec.settings), maxSweepValues)}
	}
	return spec, nil
}

// networkWarnings flags settings the network makes hopeless: a timeout or
// an RPC timeout shorter than a round trip.
func networkWarnings(s bench.Setting, o bench.Options) []string {
	var rtt time.Duration
	if s.Latency != nil {
		rtt = 2 * s.Latency.MeanDelay()
	}
	var w []string
	if s.TimeoutMin < rtt {
		w = append(w, fmt.Sprintf("ElectionTimeoutMin (%v) is below the mean round trip (%v) of latency %v: peers will time out before any vote comes back", s.TimeoutMin, rtt, s.Latency))
	}
	var write time.Duration
	if o.Fsync != nil {
		write = 2 * o.Fsync.MeanDelay() // a voter adopting a newer term writes twice
		if election := rtt + 3*o.Fsync.MeanDelay(); election >= s.TimeoutMin {
			w = append(w, fmt.Sprintf("an election (a candidate's write, a voter's two writes and a round trip: %v on average with fsync %v) does not fit in ElectionTimeoutMin (%v): peers will time out before the votes come back", election, o.Fsync, s.TimeoutMin))
		}
	}
	if o.RPCTimeout > 0 && o.RPCTimeout < rtt+write {
		w = append(w, fmt.Sprintf("rpc-timeout (%v) is below a round trip plus a voter's two writes (%v): most calls will fail", o.RPCTimeout, rtt+write))
	}
	return w
}

// commonOptions reads the flags every sweep shares, presets included.
func commonOptions(v *flagValues, fs *pflag.FlagSet) (bench.Options, error) {
	o := bench.DefaultOptions()
	switch v.runtime {
	case "virtual":
		o.Runtime = sim.Virtual
	case "real":
		o.Runtime = sim.Realtime
	default:
		return o, flagError("runtime", v.runtime, fmt.Errorf("want virtual or real"))
	}
	switch v.format {
	case "table", "csv", "json":
	default:
		return o, flagError("format", v.format, fmt.Errorf("want table, csv or json"))
	}
	if _, err := v.limits(); err != nil {
		return o, err
	}
	if _, err := v.tracing(fs); err != nil {
		return o, err
	}
	checks := []struct {
		flag string
		bad  bool
		want string
	}{
		{"trials", v.trials < 1, "want at least 1"},
		{"parallel", v.parallel < 1, "want at least 1"},
		{"eligible", v.eligible < 0, "want 0 (all) or a number of nodes"},
		{"persist-delay", v.persistDelay < 0, "want 0 or a positive duration"},
		{"rpc-timeout", v.rpcTimeout < 0, "want 0 (default) or a positive duration"},
		{"boot-skew", v.bootSkew < 0, "want 0 or a positive duration"},
		{"duration", v.duration <= 0, "want a positive duration such as 10m"},
		{"limit", v.limit <= 0, "want a positive duration such as 30s"},
		{"quiet", v.quiet < 0, "want 0 (none) or a positive duration"},
		{"timer-jitter", v.timerJitter < 0, "want 0 or a positive duration"},
		{"timeout-resolution", v.timeoutResolution < 0, "want 0 (any nanosecond) or a step such as 1ms"},
	}
	for _, c := range checks {
		if c.bad {
			return o, flagError(c.flag, fs.Lookup(c.flag).Value.String(), fmt.Errorf("%s", c.want))
		}
	}
	o.Trials, o.Parallel, o.Seed, o.Eligible = v.trials, v.parallel, v.seed, v.eligible
	if fs.Changed("fsync") && fs.Changed("persist-delay") {
		return o, flagError("persist-delay", v.persistDelay.String(), fmt.Errorf("-fsync sets the same thing; drop one of them"))
	}
	switch {
	case fs.Changed("fsync"):
		f, err := sim.ParseLatency(v.fsync)
		if err != nil {
			return o, flagError("fsync", v.fsync, err)
		}
		if f.MeanDelay() > 0 {
			o.Fsync = f
		}
	case v.persistDelay > 0:
		o.Fsync = sim.Constant{D: v.persistDelay}
	}
	o.RPCTimeout, o.BootSkew, o.Duration, o.Limit = v.rpcTimeout, v.bootSkew, v.duration, v.limit
	o.Quiet, o.TimerJitter, o.TimeoutResolution = v.quiet, v.timerJitter, v.timeoutResolution
	return o, nil
}

const usageText = `raftbench measures how Raft's heartbeat interval and election timeout shape
leader election: time to a new leader, downtime after a leader crash, RPC cost,
split votes and spurious elections, on a simulated network.

Usage:
  raftbench [flags]                 sweep settings; print statistics; write results, charts and a report
  raftbench replay -seed S [flags]  rerun one trial (seed from trials.csv) and print its timeline
  raftbench report DIR [limits]     rebuild the charts and report of a saved output folder

Examples:
  raftbench -interval 50ms..200ms
  raftbench -interval 50ms..200ms -election-timeout 150ms..300ms,300ms..600ms -trials 1000
  raftbench -scenario steady -interval 100ms -latency lognormal:20ms,0.8 -loss 0.01 -duration 1h
  raftbench -preset raft-paper
  raftbench replay -interval 50ms -seed 1234567890
  raftbench report raftbench-out/20261126-024617 -max-rpc-rate 50

Flags accept -name and --name, "-name value" and "-name=value".

Flags:
`

func printUsage(w io.Writer, fs *pflag.FlagSet) {
	var b strings.Builder
	b.WriteString(usageText)
	fs.VisitAll(func(f *pflag.Flag) {
		typ, usage := pflag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  -%s %s\n", f.Name, typ)
		fmt.Fprintf(&b, "        %s", usage)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
		if ex, ok := examples[f.Name]; ok {
			fmt.Fprintf(&b, "        e.g. %s\n", ex)
		}
	})
	b.WriteString(`
Output: a table per setting on standard output (-format), and in the output
folder trials.csv (one row per trial, with the seed that replays it),
summary.json (the full configuration and statistics), summary.csv, charts
(PNG and SVG), report.md and a self-contained report.html with a
recommendation.
Exit status: 0 done, 1 a run broke (safety violation), 2 bad input,
130 interrupted (what finished is still written).
`)
	io.WriteString(w, b.String())
}
