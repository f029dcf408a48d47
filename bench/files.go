package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/raftbench/raftbench/sim"
)

// settingJSON is a Setting as result files hold it: milliseconds, and the
// latency model in the form the CLI accepts.
type settingJSON struct {
	IntervalMs   float64 `json:"interval_ms"`
	TimeoutMinMs float64 `json:"timeout_min_ms"`
	TimeoutMaxMs float64 `json:"timeout_max_ms"`
	Nodes        int     `json:"nodes"`
	Latency      string  `json:"latency"`
	Loss         float64 `json:"loss"`
	TimeoutSpec  string  `json:"timeout_spec,omitempty"`
	Trials       int     `json:"trials,omitempty"`
}

func fromMs(x float64) time.Duration { return time.Duration(math.Round(x * float64(time.Millisecond))) }

// LatencyLabel is the setting's latency model in the form -latency takes.
func (s Setting) LatencyLabel() string {
	if s.Latency == nil {
		return "0s"
	}
	return s.Latency.String()
}

func (s Setting) MarshalJSON() ([]byte, error) {
	return json.Marshal(settingJSON{toMs(s.Interval), toMs(s.TimeoutMin), toMs(s.TimeoutMax), s.Nodes, s.LatencyLabel(), s.Loss, s.TimeoutSpec, s.Trials})
}

func (s *Setting) UnmarshalJSON(b []byte) error {
	var j settingJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	lat, err := sim.ParseLatency(j.Latency)
	if err != nil {
		return err
	}
	*s = Setting{fromMs(j.IntervalMs), fromMs(j.TimeoutMinMs), fromMs(j.TimeoutMaxMs), j.Nodes, lat, j.Loss, j.TimeoutSpec, j.Trials}
	return nil
}

// optionsJSON is Options as result files hold them.
type optionsJSON struct {
	Scenario      Scenario `json:"scenario"`
	Trials        int      `json:"trials"`
	Seed          uint64   `json:"seed"`
	Parallel      int      `json:"parallel"`
	Runtime       string   `json:"runtime"`
	Eligible      int      `json:"eligible"`
	BootSkewMs    float64  `json:"boot_skew_ms"`
	DurationMs    float64  `json:"duration_ms"`
	QuietMs       float64  `json:"quiet_ms"`
	LimitMs       float64  `json:"limit_ms"`
	Fsync         string   `json:"fsync"`
	RPCTimeoutMs  float64  `json:"rpc_timeout_ms"`
	TimerJitterMs float64  `json:"timer_jitter_ms"`
	ResolutionMs  float64  `json:"timeout_resolution_ms"`
}

func (o Options) MarshalJSON() ([]byte, error) {
	return json.Marshal(optionsJSON{o.Scenario, o.Trials, o.Seed, o.Parallel, o.Runtime.String(), o.Eligible,
		toMs(o.BootSkew), toMs(o.Duration), toMs(o.Quiet), toMs(o.Limit), o.FsyncLabel(), toMs(o.RPCTimeout), toMs(o.TimerJitter), toMs(o.TimeoutResolution)})
}

func (o *Options) UnmarshalJSON(b []byte) error {
	var j optionsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	rt := sim.Virtual
	if j.Runtime == sim.Realtime.String() {
		rt = sim.Realtime
	}
	var fsync sim.Latency
	if j.Fsync != "" && j.Fsync != "0s" {
		f, err := sim.ParseLatency(j.Fsync)
		if err != nil {
			return fmt.Errorf("options: fsync: %w", err)
		}
		fsync = f
	}
	*o = Options{Scenario: j.Scenario, Trials: j.Trials, Seed: j.Seed, Parallel: j.Parallel, Runtime: rt, Eligible: j.Eligible,
		BootSkew: fromMs(j.BootSkewMs), Duration: fromMs(j.DurationMs), Quiet: fromMs(j.QuietMs), Limit: fromMs(j.LimitMs),
		Fsync: fsync, RPCTimeout: fromMs(j.RPCTimeoutMs), TimerJitter: fromMs(j.TimerJitterMs),
		TimeoutResolution: fromMs(j.ResolutionMs)}
	return nil
}

// Summary is summary.json: enough to understand and reproduce a run.
type Summary struct {
	Tool        string         `json:"tool"`
	Command     []string       `json:"command"`
	Started     time.Time      `json:"started"`
	WallSeconds float64        `json:"wall_seconds"`
	Options     Options        `json:"options"`
	Settings    []Setting      `json:"settings"`
	Interrupted bool           `json:"interrupted"`
	TrialsDone  int            `json:"trials_done"`
	Points      []PointSummary `json:"points"`
}

// WriteJSON writes s indented.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// TrialColumns is the header of trials.csv.
var TrialColumns = []string{
	"point", "trial", "seed", "interval_ms", "timeout_min_ms", "timeout_max_ms", "nodes", "latency", "loss",
	"converged", "outcome", "failure", "elected_ms", "stable_ms", "heal_ms", "crash_offset_ms",
	"election_rounds", "failed_rounds", "split_votes", "run_ms", "phase_ms",
	"quiet_ms", "quiet_elections", "quiet_leader_changes", "quiet_append_entries", "quiet_request_votes",
	"append_entries", "request_votes", "append_entries_delivered", "request_votes_delivered", "append_entries_per_s", "request_votes_per_s",
	"phase_append_entries", "phase_request_votes", "dropped",
}

// WriteTrialsCSV writes one row per finished trial. Times the trial never
// reached are empty cells.
func WriteTrialsCSV(w io.Writer, o *Outcome) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(TrialColumns); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	d := func(t time.Duration) string {
		if t == NotReached {
			return ""
		}
		return f(toMs(t))
	}
	for p, rs := range o.Results {
		s := o.Settings[p]
		for _, r := range rs {
			row := []string{
				strconv.Itoa(r.Point), strconv.Itoa(r.Trial), strconv.FormatUint(r.Seed, 10),
				f(toMs(s.Interval)), f(toMs(s.TimeoutMin)), f(toMs(s.TimeoutMax)), strconv.Itoa(s.Nodes), s.LatencyLabel(), f(s.Loss),
				strconv.FormatBool(r.Converged()), string(r.Outcome), r.Failure, d(r.Elected), d(r.Stable), d(r.Heal), d(r.CrashOffset),
				strconv.Itoa(r.Rounds), strconv.Itoa(r.FailedRounds), strconv.Itoa(r.SplitVotes),
				f(toMs(r.Run)), f(toMs(r.Phase)),
				f(toMs(r.QuietRun)), strconv.Itoa(r.QuietElections), strconv.Itoa(r.QuietLeaderChanges),
				strconv.Itoa(r.Quiet.AppendEntries.Sent), strconv.Itoa(r.Quiet.RequestVote.Sent),
				strconv.Itoa(r.Total.AppendEntries.Sent), strconv.Itoa(r.Total.RequestVote.Sent),
				strconv.Itoa(r.Total.AppendEntries.Delivered), strconv.Itoa(r.Total.RequestVote.Delivered),
				fmt.Sprintf("%.3f", r.PerSecond(r.Total.AppendEntries.Sent)), fmt.Sprintf("%.3f", r.PerSecond(r.Total.RequestVote.Sent)),
				strconv.Itoa(r.Window.AppendEntries.Sent), strconv.Itoa(r.Window.RequestVote.Sent), strconv.Itoa(r.Dropped()),
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadTrialsCSV reads what WriteTrialsCSV wrote back into an Outcome for
// the given settings and options (from summary.json).
func ReadTrialsCSV(r io.Reader, settings []Setting, o Options) (*Outcome, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("trials.csv is empty")
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, name := range TrialColumns {
		if _, ok := col[name]; !ok && name != "outcome" {
			return nil, fmt.Errorf("trials.csv has no %q column", name)
		}
	}
	out := &Outcome{Settings: settings, Options: o, Results: make([][]Result, len(settings))}
	for line, row := range rows[1:] {
		var perr error
		atoi := func(name string) int {
			v, err := strconv.Atoi(row[col[name]])
			if err != nil && perr == nil {
				perr = fmt.Errorf("%s: %v", name, err)
			}
			return v
		}
		dur := func(name string) time.Duration {
			text := row[col[name]]
			if text == "" {
				return NotReached
			}
			v, err := strconv.ParseFloat(text, 64)
			if err != nil && perr == nil {
				perr = fmt.Errorf("%s: %v", name, err)
			}
			return fromMs(v)
		}
		seed, err := strconv.ParseUint(row[col["seed"]], 10, 64)
		if err != nil {
			perr = fmt.Errorf("seed: %v", err)
		}
		rpc := func(sent string) sim.RPCStats { return sim.RPCStats{Sent: atoi(sent)} }
		outcome := NotConverged
		if row[col["converged"]] == "true" {
			outcome = Converged
		}
		// Files from before the outcome column knew no other outcome.
		if i, ok := col["outcome"]; ok {
			outcome = TrialOutcome(row[i])
			if !slices.Contains(TrialOutcomes, outcome) && perr == nil {
				perr = fmt.Errorf("outcome: %q is none of %v", row[i], TrialOutcomes)
			}
		}
		r := Result{
			Point: atoi("point"), Trial: atoi("trial"), Seed: seed,
			Outcome: outcome, Failure: row[col["failure"]],
			Elected: dur("elected_ms"), Stable: dur("stable_ms"), Heal: dur("heal_ms"), CrashOffset: dur("crash_offset_ms"),
			Rounds: atoi("election_rounds"), FailedRounds: atoi("failed_rounds"), SplitVotes: atoi("split_votes"),
			Run: dur("run_ms"), Phase: dur("phase_ms"),
			QuietRun: dur("quiet_ms"), QuietElections: atoi("quiet_elections"), QuietLeaderChanges: atoi("quiet_leader_changes"),
			Total: sim.Stats{
				AppendEntries: sim.RPCStats{Sent: atoi("append_entries"), Delivered: atoi("append_entries_delivered")},
				RequestVote:   sim.RPCStats{Sent: atoi("request_votes"), Delivered: atoi("request_votes_delivered")},
			},
			Window: sim.Stats{AppendEntries: rpc("phase_append_entries"), RequestVote: rpc("phase_request_votes")},
			Quiet:  sim.Stats{AppendEntries: rpc("quiet_append_entries"), RequestVote: rpc("quiet_request_votes")},
		}
		// Dropped calls are kept as one total; file them under AppendEntries.
		r.Total.AppendEntries.Dropped = atoi("dropped")
		if perr != nil {
			return nil, fmt.Errorf("trials.csv line %d: %v", line+2, perr)
		}
		if r.Point < 0 || r.Point >= len(settings) {
			return nil, fmt.Errorf("trials.csv line %d: point %d, but summary.json has %d settings", line+2, r.Point, len(settings))
		}
		out.Results[r.Point] = append(out.Results[r.Point], r)
	}
	return out, nil
}
