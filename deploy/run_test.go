package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestManifestArgsRun runs the manifests' command lines with the raftbench
// of this repository, the volume a temporary folder: the sweep's flags
// without -shard (so a misspelt flag or value fails here, not on a
// cluster), then, once raftbench has -shard, every shard and the merge as
// the two Jobs give them, and compares the merged trials.csv and
// summary.csv with the unsharded run's.
func TestManifestArgsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds raftbench and runs the sweep (about 10 s)")
	}
	ms := loadManifests(t)
	s := readSweep(t, ms)
	merge := container(t, mergeFile, &job(t, ms, mergeFile).Spec.Template.Spec).Args

	dir := t.TempDir()
	bin := filepath.Join(dir, "raftbench")
	build := exec.Command("go", "build", "-o", bin, "./cmd/raftbench")
	build.Dir = ".." // the main module: its go.mod, not this one's
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/raftbench: %v\n%s", err, out)
	}
	results := filepath.Join(dir, "results")
	// local is an argument as a pod would see it, the volume at results.
	local := func(arg string, k int) string {
		arg = strings.ReplaceAll(arg, indexVar, strconv.Itoa(k))
		if arg == s.mount || strings.HasPrefix(arg, s.mount+"/") {
			arg = results + strings.TrimPrefix(arg, s.mount)
		}
		return arg
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("raftbench %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
	}

	// The sweep's own flags: all but -shard and -out.
	var sweep []string
	for i := 0; i < len(s.args); i++ {
		if a := s.args[i]; a == "-shard" || a == "-out" {
			i++
			continue
		}
		sweep = append(sweep, s.args[i])
	}
	single := filepath.Join(dir, "single")
	run(append(sweep, "-out", single)...)

	help, _ := exec.Command(bin, "-h").CombinedOutput()
	if !bytes.Contains(help, []byte("-shard")) {
		t.Fatal("raftbench -h lists no -shard: the sweep Job's command cannot run")
	}
	for k := range s.n {
		var args []string
		for _, a := range s.args {
			args = append(args, local(a, k))
		}
		run(args...)
	}
	var args []string
	for _, a := range merge {
		args = append(args, local(a, 0))
	}
	run(args...)
	for _, f := range []string{"trials.csv", "summary.csv"} {
		want, err := os.ReadFile(filepath.Join(single, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(local(merge[1], 0), f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the merged %s differs from the unsharded run's", f)
		}
	}
}
