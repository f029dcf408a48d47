package bench

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Format prints a statistic with the given decimals, or "-" when missing.
func (x Number) Format(decimals int) string {
	if math.IsNaN(float64(x)) {
		return "-"
	}
	return strconv.FormatFloat(float64(x), 'f', decimals, 64)
}

func num(x Number, decimals int) string { return x.Format(decimals) }

func ci(d Dist) string {
	if math.IsNaN(float64(d.P50Low)) {
		return "-"
	}
	return num(d.P50Low, 1) + "–" + num(d.P50High, 1)
}

// WriteTable writes a block per setting and an overview, for people.
func WriteTable(w io.Writer, sc Scenario, points []PointSummary) error {
	electedLabel, stableLabel := sc.Labels()
	var b strings.Builder
	for i, p := range points {
		fmt.Fprintf(&b, "[%d/%d] %v\n", i+1, len(points), p.Setting)
		if p.Setting.TimeoutSpec != "" && p.Setting.TimeoutSpec != fmt.Sprintf("%v..%v", p.Setting.TimeoutMin, p.Setting.TimeoutMax) {
			fmt.Fprintf(&b, "  (election timeout %s)\n", p.Setting.TimeoutSpec)
		}
		fmt.Fprintf(&b, "  trials %d, converged %d", p.Trials, p.Converged)
		if p.NotStarted > 0 {
			fmt.Fprintf(&b, ", not started %d", p.NotStarted)
		}
		if n := p.NotConverged(); n > 0 {
			fmt.Fprintf(&b, " (%d did not converge within the limit and are left out of the times they never reached)", n)
		}
		b.WriteString("\n")
		if p.NotStarted > 0 {
			fmt.Fprintf(&b, "  (not started: the fault could not be injected into a quiet cluster with a stable leader, see trials.csv \"failure\"; left out of every figure below)\n")
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		// Labels are padded to one width so that right alignment leaves them
		// reading left to right.
		labelWidth := len(electedLabel + " (ms)")
		if sc == Partition {
			labelWidth = len("old leader steps down after heal (ms)")
		}
		fmt.Fprintf(tw, "  %-*s\tn\tmin\tp50\tp50 95%% CI\tp90\tp99\tmax\tmean\t\n", labelWidth, "")
		row := func(label string, d Dist) {
			fmt.Fprintf(tw, "  %-*s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", labelWidth, label, d.N,
				num(d.Min, 1), num(d.P50, 1), ci(d), num(d.P90, 1), num(d.P99, 1), num(d.Max, 1), num(d.Mean, 1))
		}
		row(electedLabel+" (ms)", p.ElectedMs)
		row(stableLabel+" (ms)", p.StableMs)
		if sc == Partition {
			row("old leader steps down after heal (ms)", p.HealMs)
		}
		tw.Flush()
		fmt.Fprintf(&b, "  elections per trial: %s rounds, %s without a leader, %s split votes (means)\n",
			num(p.Rounds.Mean, 2), num(p.FailedRounds.Mean, 2), num(p.SplitVotes.Mean, 2))
		if float64(p.QuietHours) > 0 {
			fmt.Fprintf(&b, "  fault-free: %s spurious elections per hour (%d in %s h simulated), %s RPCs/s (AppendEntries %s, RequestVote %s)\n",
				num(p.SpuriousPerHour, 1), p.QuietElections, num(p.QuietHours, 2), num(p.SteadyRPCRate(), 1),
				num(p.QuietAppendEntriesPerSec, 1), num(p.QuietRequestVotesPerSec, 1))
		}
		fmt.Fprintf(&b, "  RPCs per second of run: AppendEntries mean %s (p99 %s), RequestVote mean %s (p99 %s); dropped calls per trial: mean %s\n",
			num(p.AppendEntriesPerSec.Mean, 1), num(p.AppendEntriesPerSec.P99, 1),
			num(p.RequestVotesPerSec.Mean, 1), num(p.RequestVotesPerSec.P99, 1), num(p.Dropped.Mean, 1))
		fmt.Fprintf(&b, "  RPCs per %s: AppendEntries mean %s (p99 %s), RequestVote mean %s (p99 %s)\n\n", sc.PhaseName(),
			num(p.PhaseAppendEntries.Mean, 1), num(p.PhaseAppendEntries.P99, 0),
			num(p.PhaseRequestVotes.Mean, 1), num(p.PhaseRequestVotes.P99, 0))
	}
	if len(points) > 1 {
		b.WriteString("Overview (ms):\n")
		// The "not started" column appears only when some trial did not
		// start, so that runs without any keep their familiar shape.
		notStarted := false
		for _, p := range points {
			notStarted = notStarted || p.NotStarted > 0
		}
		notStartedHead := ""
		if notStarted {
			notStartedHead = "not started\t"
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "interval\ttimeout\tnodes\tlatency\tloss\tconverged\t%s%s p50\tp99\t%s p50\tp99\tRV/%s\tsplit votes\tsteady RPC/s\tspurious/h\t\n",
			notStartedHead, electedLabel, stableLabel, sc.PhaseName())
		for _, p := range points {
			s := p.Setting
			notStartedCell := ""
			if notStarted {
				notStartedCell = fmt.Sprintf("%d\t", p.NotStarted)
			}
			fmt.Fprintf(tw, "%v\t%v..%v\t%d\t%v\t%g\t%d/%d\t%s%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
				s.Interval, s.TimeoutMin, s.TimeoutMax, s.Nodes, s.LatencyLabel(), s.Loss, p.Converged, p.Trials, notStartedCell,
				num(p.ElectedMs.P50, 1), num(p.ElectedMs.P99, 1), num(p.StableMs.P50, 1), num(p.StableMs.P99, 1),
				num(p.PhaseRequestVotes.Mean, 1), num(p.SplitVotes.Mean, 2), num(p.SteadyRPCRate(), 1), num(p.SpuriousPerHour, 1))
		}
		tw.Flush()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PhaseName names what a scenario's measured phase is, per which the phase
// RPC counts are given ("failover" in leader-crash).
func (sc Scenario) PhaseName() string {
	switch sc {
	case LeaderCrash:
		return "failover"
	case Partition:
		return "partition"
	case Steady:
		return "steady run"
	}
	return "cold start"
}

// SummaryColumns is the header of a per-setting CSV summary.
var SummaryColumns = []string{
	"point", "interval_ms", "timeout_min_ms", "timeout_max_ms", "nodes", "latency", "loss", "trials", "converged", "not_started",
	"elected_p50_ms", "elected_p50_ci_low_ms", "elected_p50_ci_high_ms", "elected_p90_ms", "elected_p99_ms", "elected_max_ms", "elected_mean_ms",
	"stable_p50_ms", "stable_p50_ci_low_ms", "stable_p50_ci_high_ms", "stable_p90_ms", "stable_p99_ms", "stable_max_ms", "stable_mean_ms",
	"heal_p50_ms", "heal_p99_ms",
	"append_entries_per_s_mean", "append_entries_per_s_p99", "request_votes_per_s_mean", "request_votes_per_s_p99",
	"phase_append_entries_mean", "phase_request_votes_mean", "phase_request_votes_p99",
	"election_rounds_mean", "split_votes_mean", "quiet_hours", "spurious_elections_per_hour", "leader_changes_per_hour",
	"steady_append_entries_per_s", "steady_request_votes_per_s",
}

// WriteSummaryCSV writes one row per setting, for tools.
func WriteSummaryCSV(w io.Writer, points []PointSummary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SummaryColumns); err != nil {
		return err
	}
	n := func(x Number) string {
		if math.IsNaN(float64(x)) {
			return ""
		}
		return strconv.FormatFloat(float64(x), 'f', -1, 64)
	}
	for _, p := range points {
		s := p.Setting
		e, st := p.ElectedMs, p.StableMs
		row := []string{strconv.Itoa(p.Point), n(Number(toMs(s.Interval))), n(Number(toMs(s.TimeoutMin))), n(Number(toMs(s.TimeoutMax))),
			strconv.Itoa(s.Nodes), s.LatencyLabel(), n(Number(s.Loss)), strconv.Itoa(p.Trials), strconv.Itoa(p.Converged), strconv.Itoa(p.NotStarted),
			n(e.P50), n(e.P50Low), n(e.P50High), n(e.P90), n(e.P99), n(e.Max), n(e.Mean),
			n(st.P50), n(st.P50Low), n(st.P50High), n(st.P90), n(st.P99), n(st.Max), n(st.Mean),
			n(p.HealMs.P50), n(p.HealMs.P99),
			n(p.AppendEntriesPerSec.Mean), n(p.AppendEntriesPerSec.P99), n(p.RequestVotesPerSec.Mean), n(p.RequestVotesPerSec.P99),
			n(p.PhaseAppendEntries.Mean), n(p.PhaseRequestVotes.Mean), n(p.PhaseRequestVotes.P99),
			n(p.Rounds.Mean), n(p.SplitVotes.Mean), n(p.QuietHours), n(p.SpuriousPerHour), n(p.LeaderChangesPerHour),
			n(p.QuietAppendEntriesPerSec), n(p.QuietRequestVotesPerSec),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
