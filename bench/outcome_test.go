package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

// csvColumn reads one named column of a CSV text.
func csvColumn(t *testing.T, text, name string) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("bad CSV (%v):\n%s", err, text)
	}
	for i, h := range rows[0] {
		if h == name {
			var col []string
			for _, r := range rows[1:] {
				col = append(col, r[i])
			}
			return col
		}
	}
	t.Fatalf("CSV has no %q column: %v", name, rows[0])
	return nil
}

// A leader-crash trial that never had a leader to crash never reached its
// failover: it is "not started", in every file and table, and never
// reported as a failover that did not converge.
func TestNotStartedTrialsAreTheirOwnOutcome(t *testing.T) {
	s := Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: ms}}
	o := DefaultOptions()
	o.Trials = 4
	// No peer times out before 100ms, so within a 50ms limit no trial has a
	// leader to crash.
	o.Limit = 50 * ms
	out, err := Sweep(context.Background(), []Setting{s}, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	points := out.Summarize()

	var table bytes.Buffer
	if err := WriteTable(&table, o, points); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "trials 4, converged 0, not started 4") || strings.Contains(table.String(), "converge within") {
		t.Errorf("table:\n%s\nwant \"trials 4, converged 0, not started 4\" and no non-convergence", table.String())
	}

	var sum bytes.Buffer
	if err := WriteSummaryCSV(&sum, points); err != nil {
		t.Fatal(err)
	}
	if got := csvColumn(t, sum.String(), "not_started"); len(got) != 1 || got[0] != "4" {
		t.Errorf("summary.csv not_started %v; want [4]", got)
	}
	if got := csvColumn(t, sum.String(), "converged"); len(got) != 1 || got[0] != "0" {
		t.Errorf("summary.csv converged %v; want [0]", got)
	}

	var trials bytes.Buffer
	if err := WriteTrialsCSV(&trials, out); err != nil {
		t.Fatal(err)
	}
	outcomes := csvColumn(t, trials.String(), "outcome")
	if strings.Join(outcomes, " ") != "not-started not-started not-started not-started" {
		t.Errorf("trials.csv outcomes %v; want not-started x4", outcomes)
	}
	back, err := ReadTrialsCSV(bytes.NewReader(trials.Bytes()), []Setting{s}, o)
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteTrialsCSV(&again, back); err != nil {
		t.Fatal(err)
	}
	if again.String() != trials.String() {
		t.Errorf("trials.csv read back and written again differs:\n%s\n%s", trials.String(), again.String())
	}
}

// Both kinds of unfinished trial, and a finished one, read back from
// trials.csv as they were.
func TestTrialsCSVKeepsOutcomes(t *testing.T) {
	s := Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: ms}}
	o := DefaultOptions()
	out := &Outcome{Settings: []Setting{s}, Options: o, Results: [][]Result{{
		{Trial: 0, Outcome: Converged, Elected: 120 * ms, Stable: 121 * ms, Heal: NotReached, CrashOffset: 7 * ms, Rounds: 1, Run: time.Second, Phase: 121 * ms},
		{Trial: 1, Outcome: NotConverged, Failure: "no leader within 30s", Elected: NotReached, Stable: NotReached, Heal: NotReached, CrashOffset: 3 * ms, Rounds: 200},
		{Trial: 2, Outcome: NotStarted, Failure: "no stable leader to inject the fault into within 30s", Elected: NotReached, Stable: NotReached, Heal: NotReached, CrashOffset: NotReached},
	}}}
	var b bytes.Buffer
	if err := WriteTrialsCSV(&b, out); err != nil {
		t.Fatal(err)
	}
	if got := csvColumn(t, b.String(), "converged"); strings.Join(got, " ") != "true false false" {
		t.Errorf("converged column %v; want true false false", got)
	}
	back, err := ReadTrialsCSV(&b, []Setting{s}, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range out.Results[0] {
		if got := back.Results[0][i]; got != want {
			t.Errorf("trial %d came back as %+v; want %+v", i, got, want)
		}
	}
	p := back.Summarize()[0]
	if p.Trials != 3 || p.Converged != 1 || p.NotStarted != 1 || p.NotConverged() != 1 {
		t.Errorf("summary: trials %d, converged %d, not started %d, not converged %d; want 3, 1, 1, 1", p.Trials, p.Converged, p.NotStarted, p.NotConverged())
	}
	// A not-started trial has no measured phase: it adds nothing to the
	// phase's statistics.
	if p.Rounds.N != 2 || p.Rounds.Mean != 100.5 {
		t.Errorf("election rounds over %d trials, mean %v; want 2 trials, mean 100.5", p.Rounds.N, p.Rounds.Mean)
	}

	// A file written before the outcome column existed still reads: a trial
	// that did not converge was then all there was.
	old := olderTrialsCSV(t, out, func(header []string) []int {
		if header[10] != "outcome" {
			t.Fatalf("column 10 is %q; the test expects outcome", header[10])
		}
		return []int{10, 11} // columns 0..9 end with "converged"; 10 is "outcome"
	})
	fromOld, err := ReadTrialsCSV(old, []Setting{s}, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []TrialOutcome{Converged, NotConverged, NotConverged} {
		if got := fromOld.Results[0][i].Outcome; got != want {
			t.Errorf("trial %d of a file without outcomes read as %q; want %q", i, got, want)
		}
	}
}
