package bench

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/raftbench/raftbench/bench/stats"
)

func num(x stats.Number, decimals int) string { return x.Format(decimals) }

func ci(d stats.Dist) string {
	if math.IsNaN(float64(d.P50Low)) {
		return "-"
	}
	return num(d.P50Low, 1) + "–" + num(d.P50High, 1)
}

// WriteTable writes a block per setting and an overview, for people.
func WriteTable(w io.Writer, o Options, points []PointSummary) error {
	sc := o.Scenario
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
		labelWidth := max(len(electedLabel+" (ms)"), len(stableLabel+" (ms)"))
		if sc == Partition {
			labelWidth = len("old leader steps down after heal (ms)")
		}
		fmt.Fprintf(tw, "  %-*s\tn\tmin\tp50\tp50 95%% CI\tp90\tp99\tmax\tmean\t\n", labelWidth, "")
		row := func(label string, d stats.Dist) {
			fmt.Fprintf(tw, "  %-*s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", labelWidth, label, d.N,
				num(d.Min, 1), num(d.P50, 1), ci(d), num(d.P90, 1), num(d.P99, 1), num(d.Max, 1), num(d.Mean, 1))
		}
		row(electedLabel+" (ms)", p.ElectedMs)
		row(stableLabel+" (ms)", p.StableMs)
		if sc == Partition {
			row("old leader steps down after heal (ms)", p.HealMs)
			row("old leader leads on, stale (ms)", p.StaleMs)
		}
		tw.Flush()
		fmt.Fprintf(&b, "  elections per trial: %s rounds, %s without a leader, %s split votes (means)\n",
			num(p.Rounds.Mean, 2), num(p.FailedRounds.Mean, 2), num(p.SplitVotes.Mean, 2))
		if sc == FollowerRejoin {
			fmt.Fprintf(&b, "  leaders the rejoin cost: mean %s, max %s; %s of %d started trials deposed the leader\n",
				num(p.LeaderChanges.Mean, 2), num(p.LeaderChanges.Max, 0), strconv.Itoa(p.Deposed), p.Started())
		}
		if float64(p.QuietHours) > 0 {
			fmt.Fprintf(&b, "  %s: %s spurious elections per hour (%d in %s h %s), %s leader changes per hour, %s RPCs/s (AppendEntries %s, RequestVote %s)\n",
				sc.WindowLabel(), num(p.SpuriousPerHour, 1), p.QuietElections, num(p.QuietHours, 2), o.Provenance(), num(p.LeaderChangesPerHour, 1), num(p.SteadyRPCRate(), 1),
				num(p.QuietAppendEntriesPerSec, 1), num(p.QuietRequestVotesPerSec, 1))
		}
		fmt.Fprintf(&b, "  RPCs per second of run: AppendEntries mean %s (p99 %s), RequestVote mean %s (p99 %s); dropped calls per trial: mean %s\n",
			num(p.AppendEntriesPerSec.Mean, 1), num(p.AppendEntriesPerSec.P99, 1),
			num(p.RequestVotesPerSec.Mean, 1), num(p.RequestVotesPerSec.P99, 1), num(p.Dropped.Mean, 1))
		fmt.Fprintf(&b, "  RPCs per %s: AppendEntries mean %s (p99 %s), RequestVote mean %s (p99 %s)\n\n", sc.PhaseLabel(),
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
		// The variant column too appears only when a variant other than
		// the paper's ran.
		variants := false
		for _, p := range points {
			variants = variants || p.Setting.Variant.orPaper() != VariantPaper
		}
		variantHead := ""
		if variants {
			variantHead = "variant\t"
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%sinterval\ttimeout\tnodes\tlatency\tloss\tconverged\t%s%s p50\tp99\t%s p50\tp99\tRV/%s\tsplit votes\tsteady RPC/s\tspurious/h\t\n",
			variantHead, notStartedHead, electedLabel, stableLabel, sc.PhaseName())
		for _, p := range points {
			s := p.Setting
			notStartedCell := ""
			if notStarted {
				notStartedCell = fmt.Sprintf("%d\t", p.NotStarted)
			}
			variantCell := ""
			if variants {
				variantCell = s.Variant.String() + "\t"
			}
			fmt.Fprintf(tw, "%s%v\t%v..%v\t%d\t%v\t%g\t%d/%d\t%s%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
				variantCell, s.Interval, s.TimeoutMin, s.TimeoutMax, s.Nodes, s.LatencyLabel(), s.Loss, p.Converged, p.Trials, notStartedCell,
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
	case Steady, OneWay:
		// The phase whose RPCs are counted is the start, before -duration;
		// the long fault-free run is in the steady rate.
		return "start-up"
	case FollowerRejoin:
		return "rejoin"
	}
	return "cold start"
}

// PhaseLabel is PhaseName with the span it covers, where the name alone
// could mislead.
func (sc Scenario) PhaseLabel() string {
	if sc.long() {
		return sc.PhaseName() + " (boot to first stable leader)"
	}
	return sc.PhaseName()
}

// A summaryColumn is one column of summary.csv: its header, the unit of its
// cells, and how a setting's statistics give the cell. The table below is
// the only description of the file; the header and the rows both walk it.
type summaryColumn struct {
	Name string // the header; a unit other than a count is part of it (elected_p50_ms)
	Unit string // "ms", "1/s", "1/h", "h", or "" for counts, labels and fractions
	get  func(PointSummary) string
}

// numberCell is a statistic as summary.csv holds it: empty when missing.
func numberCell(x stats.Number) string {
	if math.IsNaN(float64(x)) {
		return ""
	}
	return strconv.FormatFloat(float64(x), 'f', -1, 64)
}

func numberColumn(name, unit string, get func(PointSummary) stats.Number) summaryColumn {
	return summaryColumn{name, unit, func(p PointSummary) string { return numberCell(get(p)) }}
}

func intColumn(name string, get func(PointSummary) int) summaryColumn {
	return summaryColumn{name, "", func(p PointSummary) string { return strconv.Itoa(get(p)) }}
}

// distColumn is one statistic of one of a setting's distributions.
func distColumn(name, unit string, dist func(PointSummary) stats.Dist, stat func(stats.Dist) stats.Number) summaryColumn {
	return numberColumn(name, unit, func(p PointSummary) stats.Number { return stat(dist(p)) })
}

// summaryColumns is summary.csv, in file order.
var summaryColumns = func() []summaryColumn {
	// The statistics of a stats.Dist that summary.csv uses.
	p50 := func(d stats.Dist) stats.Number { return d.P50 }
	p50Low := func(d stats.Dist) stats.Number { return d.P50Low }
	p50High := func(d stats.Dist) stats.Number { return d.P50High }
	p90 := func(d stats.Dist) stats.Number { return d.P90 }
	p99 := func(d stats.Dist) stats.Number { return d.P99 }
	maximum := func(d stats.Dist) stats.Number { return d.Max }
	mean := func(d stats.Dist) stats.Number { return d.Mean }

	// The distributions of a PointSummary that summary.csv uses.
	elected := func(p PointSummary) stats.Dist { return p.ElectedMs }
	stable := func(p PointSummary) stats.Dist { return p.StableMs }
	heal := func(p PointSummary) stats.Dist { return p.HealMs }
	aePerSec := func(p PointSummary) stats.Dist { return p.AppendEntriesPerSec }
	rvPerSec := func(p PointSummary) stats.Dist { return p.RequestVotesPerSec }
	phaseAE := func(p PointSummary) stats.Dist { return p.PhaseAppendEntries }
	phaseRV := func(p PointSummary) stats.Dist { return p.PhaseRequestVotes }
	rounds := func(p PointSummary) stats.Dist { return p.Rounds }
	splitVotes := func(p PointSummary) stats.Dist { return p.SplitVotes }

	return []summaryColumn{
		intColumn("point", func(p PointSummary) int { return p.Point }),
		numberColumn("interval_ms", "ms", func(p PointSummary) stats.Number { return stats.Number(toMs(p.Setting.Interval)) }),
		numberColumn("timeout_min_ms", "ms", func(p PointSummary) stats.Number { return stats.Number(toMs(p.Setting.TimeoutMin)) }),
		numberColumn("timeout_max_ms", "ms", func(p PointSummary) stats.Number { return stats.Number(toMs(p.Setting.TimeoutMax)) }),
		intColumn("nodes", func(p PointSummary) int { return p.Setting.Nodes }),
		{"latency", "", func(p PointSummary) string { return p.Setting.LatencyLabel() }},
		numberColumn("loss", "", func(p PointSummary) stats.Number { return stats.Number(p.Setting.Loss) }),
		intColumn("trials", func(p PointSummary) int { return p.Trials }),
		intColumn("converged", func(p PointSummary) int { return p.Converged }),
		intColumn("not_started", func(p PointSummary) int { return p.NotStarted }),
		distColumn("elected_p50_ms", "ms", elected, p50),
		distColumn("elected_p50_ci_low_ms", "ms", elected, p50Low),
		distColumn("elected_p50_ci_high_ms", "ms", elected, p50High),
		distColumn("elected_p90_ms", "ms", elected, p90),
		distColumn("elected_p99_ms", "ms", elected, p99),
		distColumn("elected_max_ms", "ms", elected, maximum),
		distColumn("elected_mean_ms", "ms", elected, mean),
		distColumn("stable_p50_ms", "ms", stable, p50),
		distColumn("stable_p50_ci_low_ms", "ms", stable, p50Low),
		distColumn("stable_p50_ci_high_ms", "ms", stable, p50High),
		distColumn("stable_p90_ms", "ms", stable, p90),
		distColumn("stable_p99_ms", "ms", stable, p99),
		distColumn("stable_max_ms", "ms", stable, maximum),
		distColumn("stable_mean_ms", "ms", stable, mean),
		distColumn("heal_p50_ms", "ms", heal, p50),
		distColumn("heal_p99_ms", "ms", heal, p99),
		distColumn("stale_leader_p50_ms", "ms", func(p PointSummary) stats.Dist { return p.StaleMs }, p50),
		distColumn("stale_leader_p99_ms", "ms", func(p PointSummary) stats.Dist { return p.StaleMs }, p99),
		distColumn("phase_leader_changes_mean", "", func(p PointSummary) stats.Dist { return p.LeaderChanges }, mean),
		intColumn("deposed", func(p PointSummary) int { return p.Deposed }),
		distColumn("append_entries_per_s_mean", "1/s", aePerSec, mean),
		distColumn("append_entries_per_s_p99", "1/s", aePerSec, p99),
		distColumn("request_votes_per_s_mean", "1/s", rvPerSec, mean),
		distColumn("request_votes_per_s_p99", "1/s", rvPerSec, p99),
		distColumn("phase_append_entries_mean", "", phaseAE, mean),
		distColumn("phase_request_votes_mean", "", phaseRV, mean),
		distColumn("phase_request_votes_p99", "", phaseRV, p99),
		distColumn("election_rounds_mean", "", rounds, mean),
		distColumn("split_votes_mean", "", splitVotes, mean),
		numberColumn("quiet_hours", "h", func(p PointSummary) stats.Number { return p.QuietHours }),
		numberColumn("spurious_elections_per_hour", "1/h", func(p PointSummary) stats.Number { return p.SpuriousPerHour }),
		numberColumn("leader_changes_per_hour", "1/h", func(p PointSummary) stats.Number { return p.LeaderChangesPerHour }),
		numberColumn("steady_append_entries_per_s", "1/s", func(p PointSummary) stats.Number { return p.QuietAppendEntriesPerSec }),
		numberColumn("steady_request_votes_per_s", "1/s", func(p PointSummary) stats.Number { return p.QuietRequestVotesPerSec }),
	}
}()

// SummaryColumns is the header of a per-setting CSV summary.
var SummaryColumns = func() []string {
	names := make([]string, len(summaryColumns))
	for i, c := range summaryColumns {
		names[i] = c.Name
	}
	return names
}()

// WriteSummaryCSV writes one row per setting, for tools.
func WriteSummaryCSV(w io.Writer, points []PointSummary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SummaryColumns); err != nil {
		return err
	}
	row := make([]string, len(summaryColumns))
	for _, p := range points {
		for i, c := range summaryColumns {
			row[i] = c.get(p)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
