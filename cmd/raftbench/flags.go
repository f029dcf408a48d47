package main

// Flags use the standard library's flag package: it accepts -name and
// --name, "-name value" and "-name=value" as they are, and its Value
// interface is all bench's typed values implement. (pflag read -name as
// shorthand letters and needed the arguments rewritten; what it adds,
// flags after positional arguments, only `raftbench report DIR -flags`
// wants, and reportcmd.go parses on past the folder.)

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/report"
	"github.com/raftbench/raftbench/sim"
	"github.com/raftbench/raftbench/traces"
)

// cli is a command line: its flags, bound to the typed values they set.
// Every value parses when its flag is read and every check is the domain
// type's own (bench.Options.Validate, Setting.Validate, report.Limits and
// traces.Config); cli only wires them up.
type cli struct {
	fs   *flag.FlagSet
	help []flagHelp // in declaration order, for -h
	// given holds the flags set on the command line, by name, with their
	// values as given (a repeated flag's joined by spaces).
	given map[string]string
	// refused is the value flag.Parse refused, with the flag's name, which
	// flag's own error holds only as text.
	refused *bench.FieldError

	grid     bench.Grid
	options  bench.Options
	limits   report.Limits
	tracing  traces.Config
	traceAll bool // bench.TraceConfig.All, made when tracing starts
	format   bench.Format
	preset   string
	out      string
	// peerData, agents and linkHost place a -runtime process run's peers.
	peerData string
	agents   bench.Addresses
	linkHost string
}

type flagHelp struct{ name, kind, example string }

// flagText is a flag's usage and example, for a command that words a
// shared flag its own way.
type flagText struct{ usage, example string }

func newCLI(name string) *cli {
	c := &cli{fs: flag.NewFlagSet(name, flag.ContinueOnError), given: map[string]string{}}
	c.fs.SetOutput(io.Discard) // errors are reported by run, on one line
	c.fs.Usage = func() {}
	return c
}

// value declares a flag of one of bench's types; kind names its form in -h.
func (c *cli) value(v flag.Value, name, kind, usage, example string) {
	c.fs.Var(v, name, usage)
	c.declared(name, kind, example, false)
}

// plain declares a flag of one of package flag's own types through define
// (FlagSet.IntVar and the like), with *p as its default.
func plain[T any](c *cli, define func(p *T, name string, value T, usage string), p *T, name, usage, example string) {
	define(p, name, *p, usage)
	kind, _ := flag.UnquoteUsage(c.fs.Lookup(name))
	c.declared(name, kind, example, true)
}

func (c *cli) declared(name, kind, example string, builtin bool) {
	f := c.fs.Lookup(name)
	f.Value = recorded{Value: f.Value, name: name, kind: kind, builtin: builtin, c: c}
	c.help = append(c.help, flagHelp{name, kind, example})
}

// recorded notes each value a flag is given, and a refused one as a
// bench.FieldError.
type recorded struct {
	flag.Value
	name, kind string
	builtin    bool // package flag's: its errors say only "parse error"
	c          *cli
}

// builtinForms say what package flag's own types accept.
var builtinForms = map[string]string{"int": "a whole number", "uint": "a whole number, 0 or more",
	"float": "a number", "duration": "a duration such as 75ms", "": "true or false"}

func (r recorded) Set(s string) error {
	if err := r.Value.Set(s); err != nil {
		if form, ok := builtinForms[r.kind]; ok && r.builtin {
			err = fmt.Errorf("want %s", form)
			if _, perr := bench.ParseDuration(s); r.kind == "duration" && perr != nil {
				err = perr // says when it overflows
			}
		}
		r.c.refused = &bench.FieldError{Field: r.name, Value: s, Err: err}
		return err
	}
	if old, ok := r.c.given[r.name]; ok {
		s = old + " " + s
	}
	r.c.given[r.name] = s
	return nil
}

// IsBoolFlag keeps a boolean flag usable without a value.
func (r recorded) IsBoolFlag() bool {
	b, ok := r.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func (c *cli) isGiven(name string) bool { _, ok := c.given[name]; return ok }

// sweepFlags declares the flags of a sweep (and of replay).
func sweepFlags(name string) *cli {
	c := newCLI(name)
	c.grid, c.options, c.format = bench.DefaultGrid(), bench.DefaultOptions(), bench.FormatTable
	c.options.TraceTrials = bench.DefaultTraceTrials
	g, o, fs := &c.grid, &c.options, c.fs
	c.value(&g.Intervals, "interval", "durations", "heartbeat interval(s): a duration, a list, or a range MIN..MAX[:STEP] (default step: 4-8 round values)",
		"-interval 50ms..200ms   -interval 50ms..200ms:10ms   -interval 75ms,150ms")
	c.value(&g.Timeouts, "election-timeout", "ranges", "randomized election-timeout range(s) MIN..MAX, as durations or multiples of the interval; each range is one setting (default: the paper's rule, min = 2 x interval, max = 2 x min)",
		"-election-timeout 150ms..300ms   -election-timeout 3x..6x,5x..10x   -election-timeout 150ms")
	c.value(&g.Nodes, "nodes", "counts", "cluster size(s)", "-nodes 5   -nodes 3,5,7")
	c.value(&g.Latencies, "latency", "model", "one-way latency model; repeat the flag to sweep several: "+sim.LatencyForms,
		"-latency 5ms   -latency normal:5ms,1ms -latency lognormal:5ms,0.5")
	c.value(&g.Losses, "loss", "probabilities", "probability that any one message (request or reply) is lost, in [0,1); a list sweeps",
		"-loss 0.01   -loss 0,0.01,0.05")
	c.value(&g.Variants, "variant", "names", "protocol variant(s) the peers run, comma-separated; each is one setting of the sweep: "+variantHelp(), "-variant paper,etcd,hashicorp   -variant prevote+checkquorum")
	c.value(bench.FsyncModel{P: &o.Fsync}, "fsync", "model", "time one write of a peer's term and vote takes, a latency model: paid by a candidate before its RequestVotes go out, by a voter before it grants (twice when it also adopts the candidate's newer term), by any peer adopting a newer term before it answers; the peer handles nothing else until the write is done: "+sim.LatencyForms,
		"-fsync 2ms   -fsync normal:4ms,1ms   -fsync uniform:1ms..8ms")
	fs.Func("persist-delay", "a constant -fsync (kept for older command lines)", func(s string) error {
		d, err := bench.ParseDuration(s)
		if err != nil {
			return err
		}
		if d < 0 {
			return errors.New("want 0 or a positive duration such as 5ms")
		}
		return bench.FsyncModel{P: &o.Fsync}.Set(d.String())
	})
	c.declared("persist-delay", "duration", "-persist-delay 5ms (the same as -fsync 5ms)", false)
	plain(c, fs.DurationVar, &o.RPCTimeout, "rpc-timeout", fmt.Sprintf("when a call with no reply returns false (0: %v)", sim.DefaultRPCTimeout), "-rpc-timeout 200ms")
	plain(c, fs.DurationVar, &o.TimerJitter, "timer-jitter", "let every peer timer fire up to this late, at random, as real OS timers do (0: exact)", "-timer-jitter 1ms")
	plain(c, fs.DurationVar, &o.TimeoutResolution, "timeout-resolution", "draw election timeouts in whole steps of this size, as implementations do (LogCabin: 1ms; 0: any nanosecond)",
		"-timeout-resolution 1ms (LogCabin: 150ms..151ms is 150ms or 151ms)")
	c.value(&o.Scenario, "scenario", "name", "leader-crash (the paper's failover), cold-start, partition (the leader cut off; also how long it leads on, stale), steady, follower-rejoin (a follower isolated for twice the maximum timeout, then healed: the leaders its return costs) or one-way (steady, then the leader->follower link cut in that direction for -duration: the elections it causes)", "-scenario follower-rejoin -variant paper,prevote")
	plain(c, fs.IntVar, &o.Eligible, "eligible", "leader-crash/partition: K, a majority: peers 0..K-1 hold the newest log, the rest lag and cannot win; the crashed (or isolated) leader is always one of the K, so K-1 survivors can win and the other N-K cannot (0: all)", "-eligible 3")
	plain(c, fs.DurationVar, &o.BootSkew, "boot-skew", "boot each peer at a random time in [0, skew]", "-scenario cold-start -boot-skew 20ms")
	plain(c, fs.DurationVar, &o.Duration, "duration", "steady and one-way: time to run after the first stable leader (one-way: with the link cut)", "-scenario steady -duration 1h")
	plain(c, fs.DurationVar, &o.Quiet, "quiet", "after a trial's measured phase converged, run on this long without faults to count spurious elections and the steady RPC rate (steady uses -duration)", "-quiet 10s   -quiet 0 (no quiet window)")
	plain(c, fs.DurationVar, &o.Limit, "limit", "per trial phase: give up waiting for a stable leader after this long (the trial is recorded as not converged)", "-limit 1m")
	plain(c, fs.IntVar, &o.Trials, "trials", "trials per setting", "-trials 1000")
	plain(c, fs.Uint64Var, &o.Seed, "seed", "run seed; every trial's seed derives from it", "-seed 42")
	c.value(&o.Shard, "shard", "K/N", "run only this machine's share of the sweep: the trials whose index in sweep order is K modulo N, each with the seed and result it has in the whole sweep; raftbench merge puts the shards' folders back together", "-shard 0/8")
	plain(c, fs.IntVar, &o.Parallel, "parallel", "worker goroutines; results do not depend on it", "-parallel 1")
	c.value(bench.RuntimeFlag{P: &o.Runtime}, "runtime", "name", "virtual (simulated time, deterministic), real (the simulator on wall-clock time) or process (every peer a raftbench peer process on loopback: gRPC over TCP, term and vote fsynced to -peer-data, -latency and -loss applied by a proxy on each link; one trial at a time, in wall time)", "-runtime process -trials 50")
	plain(c, fs.StringVar, &c.peerData, "peer-data", "with -runtime process: the folder under which peers keep their term and vote, one folder per trial removed when it ends; its disk's fsync is what they pay (default: a folder in the output folder, or in the system's temporary folder with -out=)", "-peer-data /mnt/ssd/raftbench")
	c.value(&c.agents, "agents", "addresses", "with -runtime process: run the peers on these raftbench agents (host:port, comma-separated; peer i on agent i mod N) instead of this host", "-agents 10.0.0.5:7700,10.0.0.6:7700")
	plain(c, fs.StringVar, &c.linkHost, "link-host", "with -agents: the address of this host that the agents' peers reach the link proxies on", "-link-host 10.0.0.4")
	plain(c, fs.StringVar, &c.out, "out", "output folder (default: a new timestamped folder under ./raftbench-out; empty with -out= for none)", "-out results/run1   -out= (no folder)")
	c.value(&c.format, "format", "name", "standard output: table, csv (one row per setting) or json (the summary)", "-format csv")
	c.limitFlags()
	plain(c, fs.StringVar, &c.tracing.Endpoint, "otlp-endpoint", "send OpenTelemetry spans to this OTLP receiver (host:port or URL), e.g. a local Jaeger",
		"-otlp-endpoint 127.0.0.1:4317   -otlp-endpoint 127.0.0.1:4318 -otlp-protocol http")
	plain(c, fs.StringVar, &c.tracing.Protocol, "otlp-protocol", "OTLP transport for -otlp-endpoint: grpc (the default) or http", "-otlp-protocol http")
	plain(c, fs.StringVar, &c.tracing.File, "trace-file", "write the spans to this file as OTLP/JSON (Jaeger's \"Upload JSON\" and /api/transform accept it)", "-trace-file trials.otlp.json")
	plain(c, fs.IntVar, &o.TraceTrials, "trace-trials", "with -otlp-endpoint or -trace-file: trace only the first N trials of every setting", "-trace-trials 10")
	traceFlags(c)
	plain(c, fs.StringVar, &c.preset, "preset", "a ready-made experiment: raft-paper (the Raft paper's failover measurement, Figure 16 top) or raft-paper-scaled (Figure 16 bottom); it sets the settings, network and trials",
		"-preset raft-paper   -preset raft-paper-scaled")
	return c
}

// limitFlags declares the recommendation's limits.
func (c *cli) limitFlags() {
	c.limits = report.DefaultLimits()
	plain(c, c.fs.Float64Var, &c.limits.MaxRPCRate, "max-rpc-rate", "report: recommend only settings whose cluster sends at most this many RPCs per second with no faults", "-max-rpc-rate 50")
	plain(c, c.fs.Float64Var, &c.limits.MaxSpuriousPerHour, "max-spurious-per-hour", "report: recommend only settings with at most this many fault-free elections per hour", "-max-spurious-per-hour 0.1")
}

// parse reads args, which must be flags only. It returns flag.ErrHelp for
// -h, and for a refused value the bench.FieldError naming its flag.
func (c *cli) parse(args []string) error {
	if err := c.fs.Parse(args); err != nil {
		if c.refused != nil {
			return c.refused
		}
		return c.parseError(err)
	}
	if c.fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with -; see %s -h)", c.fs.Arg(0), c.fs.Name())
	}
	return nil
}

// parseError is flag.Parse's error err as one line for the user: a flag
// this command does not have says which does, or what was meant.
func (c *cli) parseError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
		return c.unknownFlag(name)
	}
	return fmt.Errorf("%v (see %s -h)", err, c.fs.Name())
}

// only keeps the flags named, in declaration order, and drops the rest: a
// command that shares another's flags rejects those it has no use for.
// own replaces a kept flag's usage text and example.
func (c *cli) only(names []string, own map[string]flagText) {
	fs := flag.NewFlagSet(c.fs.Name(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var help []flagHelp
	for _, h := range c.help {
		if !slices.Contains(names, h.name) {
			continue
		}
		f := c.fs.Lookup(h.name)
		u := f.Usage
		if t, ok := own[h.name]; ok {
			u, h.example = t.usage, t.example
		}
		fs.Var(f.Value, f.Name, u)
		fs.Lookup(f.Name).DefValue = f.DefValue
		help = append(help, h)
	}
	c.fs, c.help = fs, help
}

// experiment is the sweep the flags describe, checked.
func (c *cli) experiment() (*bench.Experiment, error) {
	if c.isGiven("persist-delay") {
		if c.isGiven("fsync") {
			return nil, &bench.FieldError{Field: "persist-delay", Value: c.given["persist-delay"], Err: errors.New("-fsync sets the same thing; drop one of them")}
		}
		c.given["fsync"] = c.given["persist-delay"] // the disk model is the user's
	}
	if err := c.limits.Validate(); err != nil {
		return nil, err
	}
	for _, name := range []string{"peer-data", "agents", "link-host"} {
		if c.isGiven(name) && c.options.Runtime != sim.Process {
			return nil, &bench.FieldError{Field: name, Value: c.given[name], Err: errors.New("it places peer processes: add -runtime process")}
		}
	}
	if err := c.tracing.Validate(); err != nil {
		return nil, err
	}
	if c.preset == "" {
		return c.grid.Expand(c.options)
	}
	p, err := bench.LookupPreset(c.preset)
	if err != nil {
		return nil, err
	}
	return p.Expand(c.options, c.grid.Latencies.Models, c.given)
}

// printFlags writes each flag with its form, usage, default and example.
func (c *cli) printFlags(b *strings.Builder) {
	for _, h := range c.help {
		f := c.fs.Lookup(h.name)
		_, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(b, "  -%s %s\n", f.Name, h.kind)
		fmt.Fprintf(b, "        %s", usage)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "false" {
			fmt.Fprintf(b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
		if h.example != "" {
			fmt.Fprintf(b, "        e.g. %s\n", h.example)
		}
	}
}

// variantHelp lists each -variant bundle with how it reads -interval and
// -election-timeout MIN..MAX.
func variantHelp() string {
	var b strings.Builder
	for i, v := range bench.Variants {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s = %s", v, v.Mapping())
	}
	return b.String()
}

// parseWithArguments reads flags and plain arguments in any order (package
// flag stops at the first argument that is not a flag: a folder may come
// before the flags), and returns the arguments. Its errors are parse's:
// flag.ErrHelp for -h, a FieldError for a refused value.
func (c *cli) parseWithArguments(args []string) ([]string, error) {
	var plainArgs []string
	for rest := args; ; rest = c.fs.Args()[1:] {
		if err := c.fs.Parse(rest); err != nil {
			if c.refused != nil {
				return nil, c.refused
			}
			return nil, c.parseError(err)
		}
		if c.fs.NArg() == 0 {
			return plainArgs, nil
		}
		plainArgs = append(plainArgs, c.fs.Arg(0))
	}
}
