package main

// Help, version and the errors for flags a command does not have: what a
// user reads before a run starts.

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/raftbench/raftbench/live"
)

// A command's help: what it does, how it is called, and examples; the
// flags and their examples come from its cli.
type commandHelp struct {
	intro, usage, examples, footer string
}

var sweepHelp = commandHelp{
	intro: `raftbench measures how Raft's heartbeat interval and election timeout shape
leader election: time to a new leader, downtime after a leader crash, RPC cost,
split votes and spurious elections: on a simulated network (the default), or
measured on real peer processes over real sockets and disks (-runtime process).`,
	usage: `  raftbench [flags]                 sweep settings; print statistics; write results, charts and a report
  raftbench replay -seed S [flags]  rerun one trial (seed from trials.csv) and print its timeline
  raftbench report DIR [flags]      rebuild the charts and report of a saved output folder
  raftbench peer -id I -data DIR    one peer process (started by -runtime process)
  raftbench agent [flags]           start peers on this host for a driver on another
  raftbench compare MEASURED SIM    two runs' downtimes side by side (real processes against the simulator)
  raftbench merge OUT DIR...        put a sweep's shards (-shard K/N) back together
  raftbench probe [flags]           measure this machine's round trips and fsync, as simulator flags
  raftbench help [command]          this help, or a command's (replay, report, peer, agent, probe, compare, merge)
  raftbench version                 the version of this build (also -version)`,
	examples: `  raftbench -interval 50ms..200ms
  raftbench -interval 50ms..200ms -election-timeout 150ms..300ms,300ms..600ms -trials 1000
  raftbench -scenario steady -interval 100ms -latency lognormal:20ms,0.8 -loss 0.01 -duration 1h
  raftbench -preset raft-paper
  raftbench replay -interval 50ms -seed 1234567890
  raftbench report raftbench-out/20261126-024617 -max-rpc-rate 50`,
	footer: `Output: a table per setting on standard output (-format), and in the output
folder trials.csv (one row per trial, with the seed that replays it),
summary.json (the full configuration and statistics), summary.csv, charts
(PNG and SVG), report.md and a self-contained report.html with a
recommendation.
Exit status: 0 done, 1 a run broke (a safety violation or a stuck
simulation), 2 bad input (an -out folder that cannot be used too), 3 could
not write results, 130 interrupted (what finished is still written).`,
}

var replayHelp = commandHelp{
	intro: `raftbench replay reruns one trial of a sweep from its seed and prints its
timeline (every state change, election and RPC) and its result. Give the
trial's seed from trials.csv and the same setting and model flags as the
sweep; the report prints the whole command for its slowest trials.`,
	usage: `  raftbench replay -seed S [flags]`,
	examples: `  raftbench replay -interval 50ms -seed 1234567890
  raftbench replay -scenario partition -interval 75ms -election-timeout 150ms..300ms -nodes 5 -seed 3 -rpcs=false
  raftbench replay -interval 50ms -seed 1234567890 -trace-file trial.otlp.json`,
	footer: `Exit status: 0 done, 1 the trial broke (a safety violation or a stuck simulation), 2 bad input, 3 could not write the -trace-file.`,
}

var reportHelp = commandHelp{
	intro: `raftbench report rebuilds report.md, report.html and the charts in DIR, a
folder a raftbench run wrote, from its trials.csv and summary.json: with
other limits for the recommendation, or after an upgrade.`,
	usage: `  raftbench report DIR [flags]`,
	examples: `  raftbench report raftbench-out/20261126-024617
  raftbench report raftbench-out/20261126-024617 -max-rpc-rate 50 -max-spurious-per-hour 0.1`,
	footer: `Exit status: 0 done, 2 bad input (no such folder, or not a raftbench run), 3 could not write the report.`,
}

var peerHelp = commandHelp{
	intro: `raftbench peer runs one Raft peer as a process of its own: gRPC over TCP to
the other peers, its term and vote synced to a file before any answer that
depends on them, timers on the wall clock. A driver starts it (raftbench
-runtime process, or an agent): the peer prints the address it serves on,
then waits for the driver to configure it; it exits when its standard input
closes, on SIGTERM, or when the driver shuts it down.`,
	usage:    `  raftbench peer -id I -data DIR [-listen ADDR]`,
	examples: `  raftbench peer -id 0 -data /tmp/raftbench/peer-0 -listen 127.0.0.1:7000`,
	footer:   `Exit status: 0 shut down, 1 failed while running, 2 bad input (flags, a data folder that cannot be used, an address in use).`,
}

var agentHelp = commandHelp{
	intro: `raftbench agent starts and kills raftbench peer processes on its host for a
driver on another host (raftbench -runtime process -agents HOST:PORT,...),
and reads its clock for the driver, which puts every host's events on one
timeline. It serves until Ctrl-C or SIGTERM, then kills every peer it
started; a peer also dies when the driver that asked for it goes away.`,
	usage: `  raftbench agent [-listen ADDR] [-peer-host HOST] [-data DIR]`,
	examples: `  raftbench agent -listen 10.0.0.5:7700 -peer-host 10.0.0.5 -data /mnt/ssd/raftbench
  raftbench -runtime process -agents 10.0.0.5:7700,10.0.0.6:7700 -link-host 10.0.0.4 -interval 50ms -trials 100`,
	footer: `Exit status: 0 stopped, 1 failed while serving, 2 bad input (flags, an address in use, a data folder that cannot be written).`,
}

var mergeHelp = commandHelp{
	intro: `raftbench merge puts the output folders of a sweep's shards (each run with
-shard K/N, on as many machines as you like) back together into OUT: it checks
that they are the shards of one sweep (the same settings, options, seed and
raftbench build), that every shard is there once and complete, and writes
trials.csv and summary.csv exactly as one unsharded run with the same flags
writes them, then the summary, charts and report.`,
	usage: `  raftbench merge OUT DIR... [flags]`,
	examples: `  raftbench merge merged shard-0 shard-1 shard-2 shard-3
  raftbench merge /results/merged /results/shard-* -max-rpc-rate 50`,
	footer: `Exit status: 0 done, 2 bad input (a folder that is not a shard of this sweep, a shard missing or given twice, an incomplete shard, an OUT that cannot be used), 3 could not write OUT.`,
}

var compareHelp = commandHelp{
	intro: `raftbench compare sets two leader-crash runs side by side, setting by setting
(the same interval, timeouts and nodes): the downtime quantiles of the first
(typically real peer processes, -runtime process), those of the second
(typically the simulator fed what raftbench probe measured), each quantile's
error, and whether it meets the calibration target; and draws both as CDFs on
one chart.`,
	usage: `  raftbench compare MEASURED SIMULATED [-out DIR]`,
	examples: `  raftbench compare raftbench-out/real raftbench-out/sim
  raftbench compare runs/real runs/sim -out docs/real-vs-sim`,
	footer: `Exit status: 0 done, 2 bad input (a folder that is not a run, no matching setting), 3 could not write the chart or table.`,
}

var probeHelp = commandHelp{
	intro: `raftbench probe measures what a Raft peer pays on this machine: the round trip
of a gRPC call to a raftbench peer (one it starts on loopback, or -target) and
the time a save of term and vote takes on a folder's disk (a write and fsync,
as a peer does). It prints their quantiles and the simulator flags that
reproduce them: the measured samples themselves (-latency empirical:FILE,
-fsync empirical:FILE, files it writes in -out) and the closest parametric
models, so thousands of failovers on this machine's network and disk can be
simulated in seconds.`,
	usage: `  raftbench probe [flags]`,
	examples: `  raftbench probe -data /var/lib/raftbench
  raftbench probe -data /mnt/ssd -samples 2000 -out probes/db1
  raftbench probe -target 10.0.0.5:7700 -gap 50ms
  raftbench -interval 50ms..200ms -latency empirical:raftbench-probe/latency.json -fsync empirical:raftbench-probe/fsync.json`,
	footer: `Output: the one-way latency (half of each round trip) and the fsync, in ms, on
standard output; progress on standard error; in -out, latency.json and
fsync.json (format raftbench-samples/v1: what was measured, the unit, the
samples, and when, where and how), written only once both measurements
finish.
Exit status: 0 done, 1 a measurement failed part way, 2 bad input (flags, a
-data or -out folder that cannot be used, a -target nobody answers at), 3
could not write the files, 130 interrupted (nothing written).`,
}

// commands are the subcommands by name, with their help and flags.
var commands = map[string]struct {
	help  commandHelp
	flags func() *cli
}{
	"raftbench":         {sweepHelp, func() *cli { return sweepFlags("raftbench") }},
	"raftbench replay":  {replayHelp, func() *cli { return replayFlags(new(bool), new(int), new(int)) }},
	"raftbench report":  {reportHelp, reportFlags},
	"raftbench peer":    {peerHelp, func() *cli { return peerFlags(new(live.PeerOptions)) }},
	"raftbench agent":   {agentHelp, func() *cli { return agentFlags(new(live.AgentOptions)) }},
	"raftbench probe":   {probeHelp, func() *cli { return probeFlags(new(probeSettings)) }},
	"raftbench compare": {compareHelp, func() *cli { return compareFlags(new(string)) }},
	"raftbench merge":   {mergeHelp, mergeFlags},
}

// printUsage writes the command's help: intro, usage, examples, and every
// flag with its form, usage, default and example.
func (c *cli) printUsage(w io.Writer) {
	h := commands[c.fs.Name()].help
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nUsage:\n%s\n\nExamples:\n%s\n\n", h.intro, h.usage, h.examples)
	b.WriteString("Flags accept -name and --name, \"-name value\" and \"-name=value\".\n\nFlags:\n")
	c.printFlags(&b)
	fmt.Fprintf(&b, "\n%s\n", h.footer)
	io.WriteString(w, b.String())
}

// helpOrVersion runs `raftbench help [command]`, `raftbench version` and
// -version (anywhere on the command line); ok is false for anything else.
func helpOrVersion(args []string, stdout, stderr io.Writer) (code int, ok bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-version" || a == "--version" {
			fmt.Fprintln(stdout, versionText())
			return exitOK, true
		}
	}
	switch {
	case len(args) > 0 && args[0] == "version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "raftbench version: unexpected argument %q\n", args[1])
			return exitUsage, true
		}
		fmt.Fprintln(stdout, versionText())
		return exitOK, true
	case len(args) > 0 && args[0] == "help":
		name := "raftbench"
		if len(args) > 1 {
			name += " " + args[1]
		}
		cmd, known := commands[name]
		if !known || len(args) > 2 {
			fmt.Fprintf(stderr, "raftbench help: unknown command %q; want raftbench help, raftbench help replay, raftbench help report, raftbench help peer, raftbench help agent, raftbench help probe, raftbench help compare or raftbench help merge\n", strings.Join(args[1:], " "))
			return exitUsage, true
		}
		cmd.flags().printUsage(stdout)
		return exitOK, true
	}
	return 0, false
}

// versionText says which build this is.
func versionText() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "raftbench: no build information in this binary; " + runtime.Version()
	}
	return describeBuild(bi, runtime.GOOS+"/"+runtime.GOARCH)
}

// describeBuild gives the module version when the build had one (go
// install ...@v1.2.3), the version control revision and time when the
// build recorded them (go build in a checkout), and the Go release.
func describeBuild(bi *debug.BuildInfo, platform string) string {
	var rev, at, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	source := []string{bi.Main.Path}
	switch {
	case rev != "":
		source = append(source, "commit "+rev)
		if at != "" {
			source = append(source, "committed "+at)
		}
		if modified == "true" {
			source = append(source, "with uncommitted changes")
		}
	case bi.Main.Version == "" || bi.Main.Version == "(devel)":
		source = append(source, "no version control information in this build")
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	return fmt.Sprintf("raftbench %s (%s), %s %s", v, strings.Join(source, ", "), bi.GoVersion, platform)
}

// unknownFlag is the error for -name, a flag c does not declare: it says
// which command has it, or which of c's flags was probably meant.
func (c *cli) unknownFlag(name string) error {
	var owners []string
	for _, cmd := range sortedCommands() {
		if cmd != c.fs.Name() && commands[cmd].flags().fs.Lookup(name) != nil {
			owners = append(owners, cmd)
		}
	}
	if len(owners) > 0 {
		return fmt.Errorf("-%s is not a flag of %s; it belongs to %s (see %s -h)", name, c.fs.Name(), strings.Join(owners, " and "), c.fs.Name())
	}
	var names []string
	for _, h := range c.help {
		names = append(names, h.name)
	}
	if meant := closest(name, names); len(meant) > 0 {
		return fmt.Errorf("unknown flag -%s; did you mean -%s? (see %s -h)", name, strings.Join(meant, " or -"), c.fs.Name())
	}
	return fmt.Errorf("unknown flag -%s (see %s -h)", name, c.fs.Name())
}

func sortedCommands() []string {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// closest is the names nearest to s, by edit distance, if near enough to
// be a slip (a third of the letters), or else the one name s begins.
func closest(s string, names []string) []string {
	best, bestD := []string(nil), len(s)/3+1
	for _, n := range names {
		d := editDistance(s, n)
		if d < bestD {
			best, bestD = []string{n}, d
		} else if d == bestD && best != nil {
			best = append(best, n)
		}
	}
	if best != nil {
		return best
	}
	var prefixed []string
	for _, n := range names {
		if len(s) >= 3 && strings.HasPrefix(n, s) {
			prefixed = append(prefixed, n)
		}
	}
	if len(prefixed) == 1 {
		return prefixed
	}
	return nil
}

// editDistance counts the insertions, deletions, substitutions and swaps of
// neighbouring letters that turn a into b.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// buildVersion names this build for summary.json, so that merge can tell
// whether shards ran the same raftbench: the module version and, when the
// build recorded them, the revision and whether the tree was modified.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			v += " " + s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			v += " (modified)"
		}
	}
	return v
}
