package bench

import (
	"time"

	"github.com/raftbench/raftbench/bench/stats"
)

// PointSummary is the statistics of one setting's trials. Times are in
// milliseconds; each time metric counts the trials that reached it. Trials
// that did not start (NotStarted) are counted here and take part in no
// other statistic: they have no measured phase.
type PointSummary struct {
	Point      int     `json:"point"`
	Setting    Setting `json:"setting"`
	Trials     int     `json:"trials"`
	Converged  int     `json:"converged"`
	NotStarted int     `json:"not_started"`

	ElectedMs stats.Dist `json:"elected_ms"`
	StableMs  stats.Dist `json:"stable_ms"`
	HealMs    stats.Dist `json:"heal_ms"`
	// StaleMs (partition): from the cut until the isolated leader stopped
	// leading; LeaderChanges (follower-rejoin): leaders elected in the
	// phase, and Deposed how many trials elected any.
	StaleMs       stats.Dist `json:"stale_leader_ms"`
	LeaderChanges stats.Dist `json:"phase_leader_changes"`
	Deposed       int        `json:"deposed"`

	AppendEntriesPerSec stats.Dist `json:"append_entries_per_s"`
	RequestVotesPerSec  stats.Dist `json:"request_votes_per_s"`
	// Per measured phase: per failover in leader-crash, per partition in
	// partition, per run after the first stable leader in steady.
	PhaseAppendEntries stats.Dist `json:"phase_append_entries"`
	PhaseRequestVotes  stats.Dist `json:"phase_request_votes"`
	Dropped            stats.Dist `json:"dropped"`

	Rounds       stats.Dist `json:"election_rounds"`
	FailedRounds stats.Dist `json:"failed_rounds"`
	SplitVotes   stats.Dist `json:"split_votes"`

	// Pooled over every trial's quiet window (QuietHours of simulated time):
	// the rates a healthy cluster with this setting shows.
	QuietHours               stats.Number `json:"quiet_hours"`
	QuietElections           int          `json:"quiet_elections"`
	SpuriousPerHour          stats.Number `json:"spurious_elections_per_hour"`
	LeaderChangesPerHour     stats.Number `json:"leader_changes_per_hour"`
	QuietAppendEntriesPerSec stats.Number `json:"steady_append_entries_per_s"`
	QuietRequestVotesPerSec  stats.Number `json:"steady_request_votes_per_s"`
}

// NotConverged is how many trials began their measured phase and did not
// converge within the limit.
func (p PointSummary) NotConverged() int { return p.Trials - p.Converged - p.NotStarted }

// Started is how many trials reached their measured phase.
func (p PointSummary) Started() int { return p.Trials - p.NotStarted }

// SteadyRPCRate is the cluster's RPCs per second when nothing fails.
func (p PointSummary) SteadyRPCRate() stats.Number {
	return p.QuietAppendEntriesPerSec + p.QuietRequestVotesPerSec
}

func toMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Summarize computes every setting's statistics.
func (o *Outcome) Summarize() []PointSummary {
	out := make([]PointSummary, len(o.Settings))
	for p, s := range o.Settings {
		rs := o.Results[p]
		var elected, stable, heal, stale, changes, aePS, rvPS, phaseAE, phaseRV, dropped, rounds, failed, split []float64
		ps := PointSummary{Point: p, Setting: s, Trials: len(rs)}
		var quiet time.Duration
		var quietElections, quietChanges, quietAE, quietRV int
		for _, r := range rs {
			switch r.Outcome {
			case Converged:
				ps.Converged++
			case NotStarted:
				ps.NotStarted++
				continue
			}
			if r.Elected != NotReached {
				elected = append(elected, toMs(r.Elected))
			}
			if r.Stable != NotReached {
				stable = append(stable, toMs(r.Stable))
			}
			if r.Heal != NotReached {
				heal = append(heal, toMs(r.Heal))
			}
			if r.Stale != NotReached {
				stale = append(stale, toMs(r.Stale))
			}
			changes = append(changes, float64(r.LeaderChanges))
			if r.LeaderChanges > 0 {
				ps.Deposed++
			}
			aePS = append(aePS, r.PerSecond(r.Total.AppendEntries.Sent))
			rvPS = append(rvPS, r.PerSecond(r.Total.RequestVote.Sent))
			phaseAE = append(phaseAE, float64(r.Window.AppendEntries.Sent))
			phaseRV = append(phaseRV, float64(r.Window.RequestVote.Sent))
			dropped = append(dropped, float64(r.Dropped()))
			rounds = append(rounds, float64(r.Rounds))
			failed = append(failed, float64(r.FailedRounds))
			split = append(split, float64(r.SplitVotes))
			quiet += r.QuietRun
			quietElections += r.QuietElections
			quietChanges += r.QuietLeaderChanges
			quietAE += r.Quiet.AppendEntries.Sent
			quietRV += r.Quiet.RequestVote.Sent
		}
		ps.ElectedMs, ps.StableMs, ps.HealMs = stats.Summarize(elected), stats.Summarize(stable), stats.Summarize(heal)
		ps.StaleMs, ps.LeaderChanges = stats.Summarize(stale), stats.Summarize(changes)
		ps.AppendEntriesPerSec, ps.RequestVotesPerSec = stats.Summarize(aePS), stats.Summarize(rvPS)
		ps.PhaseAppendEntries, ps.PhaseRequestVotes = stats.Summarize(phaseAE), stats.Summarize(phaseRV)
		ps.Dropped = stats.Summarize(dropped)
		ps.Rounds, ps.FailedRounds, ps.SplitVotes = stats.Summarize(rounds), stats.Summarize(failed), stats.Summarize(split)
		ps.QuietHours, ps.QuietElections = stats.Number(quiet.Hours()), quietElections
		ps.SpuriousPerHour, ps.LeaderChangesPerHour = stats.Rate(quietElections, quiet.Hours()), stats.Rate(quietChanges, quiet.Hours())
		ps.QuietAppendEntriesPerSec, ps.QuietRequestVotesPerSec = stats.Rate(quietAE, quiet.Seconds()), stats.Rate(quietRV, quiet.Seconds())
		out[p] = ps
	}
	return out
}
