package main

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// Every command's help has the same layout: intro, usage, examples, and
// each of its own flags with an example; and only its own flags.
func TestEachCommandHasItsOwnHelp(t *testing.T) {
	cases := []struct {
		args    []string
		command string
		absent  []string // flags another command has
	}{
		{[]string{"-h"}, "raftbench", []string{"rpcs"}},
		{[]string{"help"}, "raftbench", []string{"rpcs"}},
		{[]string{"replay", "-h"}, "raftbench replay", []string{"trials", "parallel", "out", "format", "preset", "max-rpc-rate", "trace-trials"}},
		{[]string{"help", "replay"}, "raftbench replay", []string{"trials"}},
		{[]string{"report", "-h"}, "raftbench report", []string{"interval", "seed", "trials"}},
		{[]string{"help", "report"}, "raftbench report", []string{"interval"}},
		{[]string{"peer", "-h"}, "raftbench peer", []string{"interval", "trials", "agents"}},
		{[]string{"help", "peer"}, "raftbench peer", []string{"seed"}},
		{[]string{"agent", "-h"}, "raftbench agent", []string{"interval", "trials", "id"}},
		{[]string{"help", "agent"}, "raftbench agent", []string{"seed"}},
		{[]string{"compare", "-h"}, "raftbench compare", []string{"interval", "trials", "seed"}},
		{[]string{"help", "compare"}, "raftbench compare", []string{"seed"}},
		{[]string{"merge", "-h"}, "raftbench merge", []string{"interval", "trials", "shard"}},
		{[]string{"probe", "-h"}, "raftbench probe", []string{"interval", "trials", "id", "listen", "latency", "fsync"}},
		{[]string{"help", "probe"}, "raftbench probe", []string{"seed"}},
	}
	for _, tc := range cases {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, stderr)
			continue
		}
		for _, part := range []string{"\nUsage:\n  " + tc.command + " ", "\nExamples:\n  " + tc.command + " ", "\nFlags:\n  -", "\nExit status: "} {
			if !strings.Contains(stdout, part) {
				t.Errorf("%v: help lacks %q:\n%s", tc.args, part, stdout)
			}
		}
		c := commands[tc.command].flags()
		for _, h := range c.help {
			i := strings.Index(stdout, "\n  -"+h.name+" ")
			if i < 0 {
				t.Errorf("%v does not document -%s", tc.args, h.name)
				continue
			}
			entry, _, _ := strings.Cut(stdout[i+1:], "\n  -")
			if !strings.Contains(entry, "e.g. -") {
				t.Errorf("%v: -%s has no example:\n%s", tc.args, h.name, entry)
			}
		}
		for _, name := range tc.absent {
			if strings.Contains(stdout, "\n  -"+name+" ") {
				t.Errorf("%v documents -%s, which %s does not use", tc.args, name, tc.command)
			}
		}
	}
	_, sweep, _ := runCLI(t, "-h")
	if _, help, _ := runCLI(t, "help"); help != sweep {
		t.Errorf("raftbench help and raftbench -h differ")
	}
}

// wantUsageError checks the one-line refusal of a command line.
func wantUsageError(t *testing.T, args []string, want ...string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != exitUsage || stdout != "" || strings.Count(stderr, "\n") != 1 {
		t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line", args, code, stdout, stderr)
		return
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("%v: %q lacks %q", args, stderr, w)
		}
	}
}

func TestCommandsRejectFlagsTheyDoNotUse(t *testing.T) {
	t.Chdir(t.TempDir())
	replay := []string{"replay", "-seed", "5", "-interval", "50ms"}
	for _, extra := range [][]string{{"-trials", "10"}, {"-parallel", "2"}, {"-out", "x"}, {"-format", "csv"},
		{"-preset", "raft-paper"}, {"-max-rpc-rate", "5"}, {"-trace-trials", "3"}} {
		wantUsageError(t, append(append([]string{}, replay...), extra...), extra[0]+" is not a flag of raftbench replay", "see raftbench replay -h")
	}
	wantUsageError(t, []string{"report", "somewhere", "-interval", "50ms"}, "-interval is not a flag of raftbench report")
	wantUsageError(t, []string{"-interval", "50ms", "-rpcs=false", "-out="}, "-rpcs is not a flag of raftbench;", "raftbench replay")
}

func TestMisspeltFlagSuggestsTheOneMeant(t *testing.T) {
	t.Chdir(t.TempDir())
	wantUsageError(t, []string{"-intervl", "50ms"}, "unknown flag -intervl; did you mean -interval?")
	wantUsageError(t, []string{"--nodse", "3"}, "did you mean -nodes?")
	wantUsageError(t, []string{"-elect", "3x..6x"}, "did you mean -election-timeout?")
	wantUsageError(t, []string{"replay", "-sede", "5"}, "did you mean -seed?", "see raftbench replay -h")
	wantUsageError(t, []string{"report", "x", "-max-rpc", "5"}, "did you mean -max-rpc-rate?")
	code, _, stderr := runCLI(t, "-zzzz", "1")
	if code != exitUsage || strings.Contains(stderr, "did you mean") {
		t.Errorf("-zzzz: exit %d, %q; want no suggestion", code, stderr)
	}
}

func TestDurationTooLargeSaysItOverflows(t *testing.T) {
	t.Chdir(t.TempDir())
	wantUsageError(t, []string{"-interval", "9999999h"}, `-interval "9999999h"`, "overflows")
	wantUsageError(t, []string{"-quiet", "9999999h"}, `-quiet "9999999h"`, "overflows")
	wantUsageError(t, []string{"replay", "-seed", "1", "-duration", "99999999999s"}, "overflows")
	wantUsageError(t, []string{"-quiet", "soon"}, `"soon" is not a duration`)
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}, {"-trials", "3", "-version"}, {"replay", "-version"}} {
		code, stdout, stderr := runCLI(t, args...)
		if code != exitOK || stderr != "" || !strings.HasPrefix(stdout, "raftbench ") || !strings.Contains(stdout, runtime.Version()) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	const platform = "linux/amd64"
	cases := []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/raftbench/raftbench", Version: "v1.2.3"}},
			"raftbench v1.2.3 (github.com/raftbench/raftbench), go1.26.0 linux/amd64"},
		{debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/raftbench/raftbench", Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "f3a2548"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}},
			"raftbench (devel) (github.com/raftbench/raftbench, commit f3a2548, committed 2026-01-02T03:04:05Z, with uncommitted changes), go1.26.0 linux/amd64"},
		{debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/raftbench/raftbench", Version: "(devel)"}},
			"raftbench (devel) (github.com/raftbench/raftbench, no version control information in this build), go1.26.0 linux/amd64"},
	}
	for _, tc := range cases {
		if got := describeBuild(&tc.bi, platform); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"intervl", "interval", 1}, {"nodse", "nodes", 1}, {"", "abc", 3}, {"seed", "seed", 0}, {"kitten", "sitting", 3}} {
		if d := editDistance(tc.a, tc.b); d != tc.d {
			t.Errorf("editDistance(%q, %q) = %d; want %d", tc.a, tc.b, d, tc.d)
		}
	}
}

// TestCountsAgreeWithTheirNouns: "1 setting", never "1 settings", in
// everything a one-trial run, its report and a replay print.
func TestCountsAgreeWithTheirNouns(t *testing.T) {
	dir := t.TempDir() + "/out"
	code, stdout, stderr := runCLI(t, "-interval", "50ms", "-trials", "1", "-max-spurious-per-hour", "1", "-out", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	texts := map[string]string{"stdout": stdout}
	for _, f := range []string{"table.txt", "report.md"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		texts[f] = string(b)
	}
	_, texts["replay"], _ = runCLI(t, "replay", "-interval", "50ms", "-seed", "5")
	one := regexp.MustCompile(`(^|[^0-9.])1 (settings|trials|terms|split votes|calls|spurious elections|RPCs|lines|stay|meet)\b`)
	for name, text := range texts {
		for _, m := range one.FindAllString(text, -1) {
			t.Errorf("%s: %q", name, m)
		}
	}
	if !strings.Contains(texts["replay"], "1 term started") {
		t.Errorf("replay: no \"1 term started\":\n%s", texts["replay"])
	}
}
