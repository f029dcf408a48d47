package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runAsProcess runs raftbench (this test binary as raftbench) as a process
// of its own, as a batch engine would on another machine.
func runAsProcess(t *testing.T, args ...string) (int, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), asMainEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

func TestShardsMergeIntoTheWholeSweep(t *testing.T) {
	t.Chdir(t.TempDir())
	// 2 settings x 5 trials: 10 trials in sweep order.
	sweep := []string{"-interval", "50ms,100ms", "-trials", "5", "-quiet", "300ms", "-seed", "7"}
	if code, out := runAsProcess(t, append(sweep, "-out", "whole")...); code != 0 {
		t.Fatalf("the whole sweep: exit %d: %s", code, out)
	}
	want := map[string][]byte{}
	for _, f := range []string{"trials.csv", "summary.csv"} {
		b, err := os.ReadFile(filepath.Join("whole", f))
		if err != nil {
			t.Fatal(err)
		}
		want[f] = b
	}
	// One shard; fewer shards than a setting's trials but more than the
	// settings; more shards than trials (some shards hold none).
	for _, n := range []int{1, 3, 16} {
		var dirs []string
		for k := range n {
			dir := fmt.Sprintf("n%d-shard-%d", n, k)
			if code, out := runAsProcess(t, append(sweep, "-shard", fmt.Sprintf("%d/%d", k, n), "-out", dir)...); code != 0 {
				t.Fatalf("shard %d/%d: exit %d: %s", k, n, code, out)
			}
			dirs = append(dirs, dir)
		}
		merged := fmt.Sprintf("n%d-merged", n)
		if code, out := runAsProcess(t, append([]string{"merge", merged}, dirs...)...); code != 0 {
			t.Fatalf("merge of %d shards: exit %d: %s", n, code, out)
		}
		for f, b := range want {
			got, err := os.ReadFile(filepath.Join(merged, f))
			if err != nil || !bytes.Equal(got, b) {
				t.Errorf("%d shards: merged %s differs from the whole sweep's (%v)", n, f, err)
			}
		}
		if _, err := os.Stat(filepath.Join(merged, "report.html")); err != nil {
			t.Errorf("%d shards: no report: %v", n, err)
		}
	}
	// A shard's own trials.csv holds only its trials: 10 trials over 3
	// shards are 4, 3 and 3.
	for k, want := range []int{4, 3, 3} {
		_, rows := readTrials(t, filepath.Join(fmt.Sprintf("n3-shard-%d", k), "trials.csv"))
		if len(rows) != want {
			t.Errorf("shard %d/3 holds %d trials; want %d", k, len(rows), want)
		}
	}

	// Refused, with one line and exit 2: a missing shard, a shard twice, a
	// shard of another sweep, a folder that is no shard.
	if code, out := runAsProcess(t, append(sweep, "-seed", "8", "-shard", "1/3", "-out", "foreign")...); code != 0 {
		t.Fatalf("foreign shard: %d %s", code, out)
	}
	for _, c := range []struct {
		dirs []string
		want string
	}{
		{[]string{"n3-shard-0", "n3-shard-2"}, "shard 1/3 missing"},
		{[]string{"n3-shard-0", "n3-shard-1", "n3-shard-1", "n3-shard-2"}, "both hold shard 1/3"},
		{[]string{"n3-shard-0", "foreign", "n3-shard-2"}, "from another sweep"},
		{[]string{"whole", "n3-shard-0"}, "is not a shard"},
		{[]string{"n3-shard-0", "n16-shard-1"}, "of 16 shards"},
	} {
		code, out := runAsProcess(t, append([]string{"merge", "refused"}, c.dirs...)...)
		if code != exitUsage || !strings.Contains(out, c.want) || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("merge %v: exit %d, %q; want exit 2 and one line with %q", c.dirs, code, out, c.want)
		}
		if _, err := os.Stat("refused"); err == nil {
			t.Fatalf("merge %v made its output folder", c.dirs)
		}
	}
}

func TestShardFlag(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, bad := range []string{"3/3", "-1/3", "1/0", "x", "1/2/3"} {
		code, _, stderr := runCLI(t, "-shard", bad, "-trials", "2")
		if code != exitUsage || !strings.Contains(stderr, "-shard") {
			t.Errorf("-shard %s: exit %d, %q; want exit 2 naming -shard", bad, code, stderr)
		}
	}
	code, stdout, stderr := runCLI(t, "-interval", "50ms", "-trials", "10", "-shard", "2/4", "-quiet", "0", "-out", "s")
	if code != exitOK || !strings.Contains(stdout, "shard 2/4: 2 of the sweep's 10 trials") {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
