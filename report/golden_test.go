package report_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/raftbench/raftbench/internal/fixture"
	"github.com/raftbench/raftbench/internal/golden"
	"github.com/raftbench/raftbench/report"
)

// TestGoldenReport pins report.md for the fixture sweeps, whose start time,
// wall time and command line are fixed in the input. Regenerate with
// go test ./report -run Golden -rewrite and review the diff.
func TestGoldenReport(t *testing.T) {
	fixture.Each(t, func(t *testing.T, r fixture.Run) {
		dir := t.TempDir()
		if _, err := report.Write(dir, report.Run{Summary: r.Summary, Outcome: r.Outcome}, report.DefaultLimits()); err != nil {
			t.Fatal(err)
		}
		md, err := os.ReadFile(filepath.Join(dir, report.MarkdownFile))
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", "golden", r.Name+".report.md"), md)
	})
}
