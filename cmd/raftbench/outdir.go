package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/raftbench/raftbench/bench"
)

// defaultOutRoot is where runs go unless -out says otherwise (git-ignored).
const defaultOutRoot = "raftbench-out"

// chooseOutDir decides the output folder before the run, so bad input
// fails before any work: "" (with -out=) means none; an existing non-empty
// folder is refused rather than overwritten.
func chooseOutDir(flagValue string, set bool, now time.Time) (string, error) {
	if set && flagValue == "" {
		return "", nil
	}
	if !set {
		base := filepath.Join(defaultOutRoot, now.Format("20060102-150405"))
		dir := base
		for i := 2; exists(dir); i++ {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		return dir, nil
	}
	if entries, err := os.ReadDir(flagValue); err == nil && len(entries) > 0 {
		return "", fmt.Errorf("folder exists and is not empty; choose a new one")
	} else if err == nil || os.IsNotExist(err) {
		return flagValue, nil
	} else {
		return "", err
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// writeOutDir writes every result file into a staging folder next to dir
// and renames it into place, so a failed write leaves no half-written
// output folder.
func writeOutDir(dir string, o *bench.Outcome, s *bench.Summary, extra func(stage string) error) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	stage, err := os.MkdirTemp(parent, ".raftbench-staging-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage) // no-op after the rename
	files := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"trials.csv", func(b *bytes.Buffer) error { return bench.WriteTrialsCSV(b, o) }},
		{"summary.json", func(b *bytes.Buffer) error { return s.WriteJSON(b) }},
		{"summary.csv", func(b *bytes.Buffer) error { return bench.WriteSummaryCSV(b, s.Points) }},
		{"table.txt", func(b *bytes.Buffer) error { return bench.WriteTable(b, o.Options.Scenario, s.Points) }},
	}
	for _, f := range files {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(stage, f.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if extra != nil {
		if err := extra(stage); err != nil {
			return err
		}
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}
	if exists(dir) {
		// An empty folder the user named: replace it.
		if err := os.Remove(dir); err != nil {
			return err
		}
	}
	return os.Rename(stage, dir)
}
