package bench_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/internal/fixture"
	"github.com/raftbench/raftbench/internal/golden"
)

// TestGoldenFiles pins every result file bench writes, byte for byte, for
// the fixture sweeps. Regenerate with go test ./bench -run Golden -rewrite
// and review the diff.
func TestGoldenFiles(t *testing.T) {
	fixture.Each(t, func(t *testing.T, r fixture.Run) {
		files := []struct {
			ext   string
			write func(*bytes.Buffer) error
		}{
			{"table.txt", func(b *bytes.Buffer) error { return bench.WriteTable(b, r.Summary.Options.Scenario, r.Summary.Points) }},
			{"summary.csv", func(b *bytes.Buffer) error { return bench.WriteSummaryCSV(b, r.Summary.Points) }},
			{"trials.csv", func(b *bytes.Buffer) error { return bench.WriteTrialsCSV(b, r.Outcome) }},
			{"summary.json", func(b *bytes.Buffer) error { return r.Summary.WriteJSON(b) }},
		}
		for _, f := range files {
			var b bytes.Buffer
			if err := f.write(&b); err != nil {
				t.Fatalf("%s: %v", f.ext, err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", r.Name+"."+f.ext), b.Bytes())
		}
	})
}
