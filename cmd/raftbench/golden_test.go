package main

import (
	"path/filepath"
	"testing"

	"github.com/raftbench/raftbench/internal/golden"
)

// TestGoldenReplay pins the replay command's output: the timeline and the
// result of one trial. Regenerate with go test ./cmd/raftbench -run Golden
// -rewrite and review the diff.
func TestGoldenReplay(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"replay-leader-crash", []string{"replay", "-seed", "7", "-interval", "50ms", "-election-timeout", "100ms..200ms",
			"-nodes", "3", "-latency", "5ms", "-quiet", "200ms"}},
		{"replay-partition-fsync", []string{"replay", "-seed", "3", "-scenario", "partition", "-interval", "75ms",
			"-election-timeout", "150ms..300ms", "-nodes", "5", "-latency", "normal:5ms,1ms", "-fsync", "2ms", "-rpcs=false"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			golden.Check(t, filepath.Join("testdata", tc.name+".txt"), []byte(stdout))
		})
	}
}

// TestGoldenHelp pins the help of the commands whose help is checked as a
// whole rather than piece by piece (TestEachCommandHasItsOwnHelp).
// Regenerate with go test ./cmd/raftbench -run Golden -rewrite and review
// the diff.
func TestGoldenHelp(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"help-probe", []string{"probe", "-h"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			golden.Check(t, filepath.Join("testdata", tc.name+".txt"), []byte(stdout))
		})
	}
}
