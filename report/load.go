package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/raftbench/raftbench/bench"
)

// Load reads a saved output folder (summary.json and trials.csv) back into
// a Run, recomputing the statistics from the trials.
func Load(dir string) (Run, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return Run{}, err
	}
	var s bench.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		return Run{}, fmt.Errorf("%s: %w", filepath.Join(dir, "summary.json"), err)
	}
	if s.Tool != "raftbench" || len(s.Settings) == 0 {
		return Run{}, fmt.Errorf("%s is not a raftbench summary", filepath.Join(dir, "summary.json"))
	}
	f, err := os.Open(filepath.Join(dir, "trials.csv"))
	if err != nil {
		return Run{}, err
	}
	defer f.Close()
	out, err := bench.ReadTrialsCSV(f, s.Settings, s.Options)
	if err != nil {
		return Run{}, err
	}
	out.Interrupted = s.Interrupted
	s.Points = out.Summarize()
	return Run{Summary: &s, Outcome: out}, nil
}
