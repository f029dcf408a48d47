package bench

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
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

func fromMs(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }

func latencyString(l sim.Latency) string {
	if l == nil {
		return "0s"
	}
	return l.String()
}

func (s Setting) MarshalJSON() ([]byte, error) {
	return json.Marshal(settingJSON{toMs(s.Interval), toMs(s.TimeoutMin), toMs(s.TimeoutMax), s.Nodes, latencyString(s.Latency), s.Loss, s.TimeoutSpec, s.Trials})
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
	Scenario       Scenario `json:"scenario"`
	Trials         int      `json:"trials"`
	Seed           uint64   `json:"seed"`
	Parallel       int      `json:"parallel"`
	Runtime        string   `json:"runtime"`
	Eligible       int      `json:"eligible"`
	BootSkewMs     float64  `json:"boot_skew_ms"`
	DurationMs     float64  `json:"duration_ms"`
	QuietMs        float64  `json:"quiet_ms"`
	LimitMs        float64  `json:"limit_ms"`
	PersistDelayMs float64  `json:"persist_delay_ms"`
	RPCTimeoutMs   float64  `json:"rpc_timeout_ms"`
}

func (o Options) MarshalJSON() ([]byte, error) {
	return json.Marshal(optionsJSON{o.Scenario, o.Trials, o.Seed, o.Parallel, o.Runtime.String(), o.Eligible,
		toMs(o.BootSkew), toMs(o.Duration), toMs(o.Quiet), toMs(o.Limit), toMs(o.PersistDelay), toMs(o.RPCTimeout)})
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
	*o = Options{j.Scenario, j.Trials, j.Seed, j.Parallel, rt, j.Eligible,
		fromMs(j.BootSkewMs), fromMs(j.DurationMs), fromMs(j.QuietMs), fromMs(j.LimitMs), fromMs(j.PersistDelayMs), fromMs(j.RPCTimeoutMs)}
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
	"converged", "failure", "elected_ms", "stable_ms", "heal_ms", "crash_offset_ms",
	"election_rounds", "failed_rounds", "split_votes", "run_ms", "phase_ms",
	"quiet_ms", "quiet_elections", "quiet_leader_changes", "quiet_append_entries", "quiet_request_votes",
	"append_entries", "request_votes", "append_entries_per_s", "request_votes_per_s",
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
				f(toMs(s.Interval)), f(toMs(s.TimeoutMin)), f(toMs(s.TimeoutMax)), strconv.Itoa(s.Nodes), latencyString(s.Latency), f(s.Loss),
				strconv.FormatBool(r.Converged), r.Failure, d(r.Elected), d(r.Stable), d(r.Heal), d(r.CrashOffset),
				strconv.Itoa(r.Rounds), strconv.Itoa(r.FailedRounds), strconv.Itoa(r.SplitVotes),
				f(toMs(r.Run)), f(toMs(r.Phase)),
				f(toMs(r.QuietRun)), strconv.Itoa(r.QuietElections), strconv.Itoa(r.QuietLeaderChanges),
				strconv.Itoa(r.Quiet.AppendEntries.Sent), strconv.Itoa(r.Quiet.RequestVote.Sent),
				strconv.Itoa(r.Total.AppendEntries.Sent), strconv.Itoa(r.Total.RequestVote.Sent),
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
