package main

// What raftbench probe writes: the sample files, and on standard output the
// measured quantiles and the simulator flags that reproduce them.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/bench/stats"
	"github.com/raftbench/raftbench/sim"
)

// probeFile is one measured quantity and the file it goes to.
type probeFile struct {
	name     string // in -out
	quantity string
	samples  []time.Duration
	measured sim.Measurement
}

// ms is samples in milliseconds, the unit of every table.
func (f probeFile) ms() []float64 {
	xs := make([]float64, len(f.samples))
	for i, d := range f.samples {
		xs[i] = float64(d) / float64(time.Millisecond)
	}
	return xs
}

// summary is the samples' quantiles, as every raftbench table takes them
// (bench/stats: empirical, no interpolation), in milliseconds.
func (f probeFile) summary() sim.SampleSummary {
	xs := f.ms()
	q := stats.Quantiles(xs, 0, 0.1, 0.5, 0.9, 0.99, 1)
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	// The mean to the nanosecond, as the samples are: more digits would
	// be noise of the division.
	mean = math.Round(mean/float64(len(xs))*1e6) / 1e6
	return sim.SampleSummary{N: len(xs), Min: q[0], P10: q[1], P50: q[2], P90: q[3], P99: q[4], Max: q[5], Mean: mean}
}

// writeProbeFiles writes every file beside its final name first and only
// then renames them all into place, so a failure leaves no file
// half-written and no new latency file beside an old fsync file.
func writeProbeFiles(dir string, files []probeFile) error {
	var tmps []string
	defer func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}()
	for _, f := range files {
		sf := sim.NewSampleFile(f.quantity, f.samples, f.measured)
		sum := f.summary()
		sf.Summary = &sum
		b, err := json.MarshalIndent(sf, "", "  ")
		if err != nil {
			return err
		}
		tmp, err := os.CreateTemp(dir, "."+f.name+".tmp-")
		if err != nil {
			return err
		}
		tmps = append(tmps, tmp.Name())
		_, err = tmp.Write(append(b, '\n'))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	for i, f := range files {
		if err := os.Chmod(tmps[i], 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmps[i], filepath.Join(dir, f.name)); err != nil {
			return err
		}
		tmps[i] = "" // renamed: nothing to remove
	}
	return nil
}

// printProbe writes the measured quantiles and the simulator flags.
func printProbe(w io.Writer, s probeSettings, where, disk string, files []probeFile) {
	lat, fs := files[0], files[1]
	fmt.Fprintf(w, "raftbench probe: one-way latency from %d round trips to %s, fsync from %d saves in %s%s, %v apart\n\n",
		len(lat.samples), where, len(fs.samples), fs.measured.Dir, parenthesized(disk), s.gap)
	fmt.Fprintf(w, "  %-14s %6s %8s %8s %8s %8s %8s %8s %8s\n", "", "n", "min", "p10", "p50", "p90", "p99", "max", "mean")
	measured := []struct {
		label string
		f     probeFile
	}{{"one-way (ms)", lat}, {"fsync (ms)", fs}}
	if len(files) > 2 {
		measured = append(measured, struct {
			label string
			f     probeFile
		}{"links (ms)", files[2]})
	}
	for _, row := range measured {
		q := row.f.summary()
		fmt.Fprintf(w, "  %-14s %6d %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f\n", row.label, q.N, q.Min, q.P10, q.P50, q.P90, q.P99, q.Max, q.Mean)
	}
	fmt.Fprintf(w, "  (one-way latency is half of each round trip; the simulator draws a request's and its reply's independently)\n")
	if len(files) > 2 {
		fmt.Fprintf(w, "  (links: every heartbeat of %d peer processes with latency %v injected, round to acceptance: what a -runtime process run's\n   messages pay here; simulate such a run with -latency %s)\n",
			s.links, latencyLabel(firstModel(s.linkLatency)), shellWord("empirical:"+filepath.Join(s.out, linksFile)))
	}
	fmt.Fprintln(w)

	latFlag := "-latency " + shellWord("empirical:"+filepath.Join(s.out, latencyFile))
	fsFlag := "-fsync " + shellWord("empirical:"+filepath.Join(s.out, fsyncFile))
	fmt.Fprintf(w, "Simulator flags: the measured distributions (each draw is one of the samples)\n  %s %s\n", latFlag, fsFlag)
	fmt.Fprintf(w, "or the closest parametric models, closest first: the quantiles of their draws (ms) and their distance\nfrom the samples (the largest gap between the two cumulative distributions, 0 to 1)\n")
	type fitRow struct {
		flag string
		fit  sim.Fit
	}
	var rows []fitRow
	width := 0
	for _, q := range []struct {
		flag string
		f    probeFile
	}{{"-latency", lat}, {"-fsync", fs}} {
		for _, fit := range sim.FitModels(q.f.samples, 1) {
			r := fitRow{q.flag + " " + shellWord(fit.Model.String()), fit}
			rows = append(rows, r)
			width = max(width, utf8.RuneCountInString(r.flag))
		}
	}
	fmt.Fprintf(w, "  %-*s %8s %8s %8s %9s\n", width, "", "p50", "p90", "p99", "distance")
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s %8.3f %8.3f %8.3f %9.2f\n", width, r.flag, toMs(r.fit.P50), toMs(r.fit.P90), toMs(r.fit.P99), r.fit.Distance)
	}
	fmt.Fprintf(w, "\ne.g. raftbench -interval 50ms..200ms %s %s\n", latFlag, fsFlag)
}

func toMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// shellWord quotes s for a POSIX shell if it needs it, so a printed flag
// pastes as it is.
func shellWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func firstModel(l bench.Latencies) sim.Latency {
	if len(l.Models) == 0 {
		return nil
	}
	return l.Models[0]
}
