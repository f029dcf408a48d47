package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/fidelity"
	"github.com/raftbench/raftbench/plots"
	"github.com/raftbench/raftbench/report"
	"github.com/raftbench/raftbench/sim"
)

// compareFlags declares `raftbench compare`'s flags.
func compareFlags(out *string) *cli {
	c := newCLI("raftbench compare")
	*out = "raftbench-compare"
	plain(c, c.fs.StringVar, out, "out", "folder for the comparison's chart (compare-cdf.png and .svg) and table (compare.md); made if missing", "-out docs/real-vs-sim")
	return c
}

// compare is `raftbench compare MEASURED SIMULATED`: two leader-crash runs'
// downtimes side by side, setting by setting — typically real peer
// processes (-runtime process) and the simulator fed what raftbench probe
// measured — with each quantile's error and the calibration target.
func compare(args []string, stdout, stderr io.Writer) int {
	var outDir string
	c := compareFlags(&outDir)
	dirs, err := c.parseWithArguments(args)
	if errors.Is(err, flag.ErrHelp) {
		c.printUsage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftbench compare: %v\n", err)
		return exitUsage
	}
	if len(dirs) != 2 {
		fmt.Fprintln(stderr, "raftbench compare: want two output folders: the measured run's, then the simulated run's")
		return exitUsage
	}
	measured, err := report.Load(dirs[0])
	if err != nil {
		fmt.Fprintf(stderr, "raftbench compare: %v\n", err)
		return exitUsage
	}
	simulated, err := report.Load(dirs[1])
	if err != nil {
		fmt.Fprintf(stderr, "raftbench compare: %v\n", err)
		return exitUsage
	}
	mo, so := measured.Summary.Options, simulated.Summary.Options
	name := "real processes"
	if mo.Runtime != sim.Process {
		name = "first run"
	}
	ref, err := fidelity.Measured(name, measured.Summary.Settings, mo, measured.Outcome.Results)
	if err != nil {
		fmt.Fprintf(stderr, "raftbench compare: %s: %v\n", dirs[0], err)
		return exitUsage
	}
	rows := fidelity.CompareRun(ref, simulated.Summary.Settings, so, simulated.Outcome.Results)
	if len(rows) == 0 {
		fmt.Fprintf(stderr, "raftbench compare: no setting of %s matches one of %s (the same interval, timeouts, nodes and -eligible, leader-crash, no loss)\n", dirs[1], dirs[0])
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s: %s\n%s: %s\n\n", dirs[0], mo.RuntimeText(), dirs[1], so.RuntimeText())
	fidelity.WriteTable(stdout, ref, rows, so.Provenance())
	fmt.Fprintf(stdout, "target: %s\n", fidelity.Targets())

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "raftbench compare: -out %q: %v\n", outDir, err)
		return exitWrite
	}
	in := plots.Input{Scenario: so.Scenario, Points: simulated.Summary.Points, Results: simulated.Outcome.Results}
	var indices []int
	var lines []plots.Measured
	for _, r := range rows {
		indices = append(indices, r.Point)
		mi := settingIndex(measured.Summary.Settings, simulated.Summary.Settings[r.Point])
		lines = append(lines, plots.MeasuredFrom(r.Point, name, fidelity.DowntimesMs(measured.Outcome.Results[mi])))
	}
	chart, err := plots.CDF(in, indices, plots.Stable, false, lines...)
	if err == nil {
		chart.Title.Text = fmt.Sprintf("Downtime after a leader crash: %s (dashed), %s (solid)", name, so.RuntimeText())
		err = plots.Save(chart, filepath.Join(outDir, "compare-cdf"))
	}
	if err == nil {
		err = writeCompareTable(filepath.Join(outDir, "compare.md"), dirs, ref, rows, so)
	}
	if err != nil {
		fmt.Fprintf(stderr, "raftbench compare: writing %s: %v\n", outDir, err)
		return exitWrite
	}
	fmt.Fprintf(stdout, "chart and table in %s\n", outDir)
	return exitOK
}

// settingIndex finds the measured setting a simulated one matched.
func settingIndex(settings []bench.Setting, s bench.Setting) int {
	for i, m := range settings {
		if m.Interval == s.Interval && m.TimeoutMin == s.TimeoutMin && m.TimeoutMax == s.TimeoutMax && m.Nodes == s.Nodes && m.Loss == 0 {
			return i
		}
	}
	return -1
}

func writeCompareTable(path string, dirs []string, ref fidelity.Reference, rows []fidelity.Row, so bench.Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "Downtime after a leader crash, ms: %s (%s) / %s (%s).\n\n", dirs[0], ref.Source, dirs[1], so.RuntimeText())
	header := fidelity.Header(ref)
	fmt.Fprintf(f, "| %s |\n|", joinCells(header))
	for range header {
		f.WriteString("---|")
	}
	f.WriteString("\n")
	for _, r := range rows {
		fmt.Fprintf(f, "| %s |\n", joinCells(r.Cells()))
	}
	fmt.Fprintf(f, "\nTarget: %s.\n", fidelity.Targets())
	return f.Close()
}

func joinCells(cells []string) string {
	s := ""
	for i, c := range cells {
		if i > 0 {
			s += " | "
		}
		s += c
	}
	return s
}
