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
	Variant      Variant `json:"variant,omitempty"` // absent: the paper's
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
	v := s.Variant
	if v == VariantPaper {
		v = "" // files from before variants hold none
	}
	return json.Marshal(settingJSON{toMs(s.Interval), toMs(s.TimeoutMin), toMs(s.TimeoutMax), s.Nodes, s.LatencyLabel(), s.Loss, s.TimeoutSpec, s.Trials, v})
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
	var v Variant
	if j.Variant != "" {
		if v, err = ParseVariant(string(j.Variant)); err != nil {
			return err
		}
	}
	*s = Setting{fromMs(j.IntervalMs), fromMs(j.TimeoutMinMs), fromMs(j.TimeoutMaxMs), j.Nodes, lat, j.Loss, j.TimeoutSpec, j.Trials, v}
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
	Shard         string   `json:"shard,omitempty"` // K/N; absent: the whole sweep
}

func (o Options) MarshalJSON() ([]byte, error) {
	return json.Marshal(optionsJSON{o.Scenario, o.Trials, o.Seed, o.Parallel, o.Runtime.String(), o.Eligible,
		toMs(o.BootSkew), toMs(o.Duration), toMs(o.Quiet), toMs(o.Limit), o.FsyncLabel(), toMs(o.RPCTimeout), toMs(o.TimerJitter), toMs(o.TimeoutResolution),
		o.Shard.String()})
}

func (o *Options) UnmarshalJSON(b []byte) error {
	var j optionsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	// The same readers as the flags': a file says what a command line said.
	rt := sim.Virtual
	if j.Runtime != "" {
		if err := (RuntimeFlag{&rt}).Set(j.Runtime); err != nil {
			return fmt.Errorf("options: runtime %q: %w", j.Runtime, err)
		}
	}
	var fsync sim.Latency
	if j.Fsync != "" {
		if err := (FsyncModel{&fsync}).Set(j.Fsync); err != nil {
			return fmt.Errorf("options: fsync: %w", err)
		}
	}
	var shard Shard
	if j.Shard != "" {
		if err := shard.Set(j.Shard); err != nil {
			return fmt.Errorf("options: shard %q: %w", j.Shard, err)
		}
	}
	*o = Options{Shard: shard, Scenario: j.Scenario, Trials: j.Trials, Seed: j.Seed, Parallel: j.Parallel, Runtime: rt, Eligible: j.Eligible,
		BootSkew: fromMs(j.BootSkewMs), Duration: fromMs(j.DurationMs), Quiet: fromMs(j.QuietMs), Limit: fromMs(j.LimitMs),
		Fsync: fsync, RPCTimeout: fromMs(j.RPCTimeoutMs), TimerJitter: fromMs(j.TimerJitterMs),
		TimeoutResolution: fromMs(j.ResolutionMs)}
	return nil
}

// Summary is summary.json: enough to understand and reproduce a run.
type Summary struct {
	Tool        string         `json:"tool"`
	Version     string         `json:"version,omitempty"` // the build that ran it
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

// A trialColumn is one column of trials.csv: its header, the unit of its
// cells, how a trial's row gets the cell and how a cell read back sets the
// trial. The table below is the only description of the file: the header,
// the writer and the reader all walk it, so a column cannot be written in one
// place and read into a different field in another.
type trialColumn struct {
	Name string // the header; a unit other than a count is its suffix (elected_ms)
	Unit string // "ms", "1/s", or "" for counts, labels and fractions
	get  func(Setting, *Result) string
	// set reads a cell back into the trial; nil for columns that are derived
	// from others or describe the setting (summary.json holds it).
	set func(*Result, string) error
	// optional columns may be missing from files written before they existed.
	optional bool
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func parseMs(text string) (time.Duration, error) {
	if text == "" {
		return NotReached, nil
	}
	v, err := strconv.ParseFloat(text, 64)
	return fromMs(v), err
}

// durationColumn is a time in milliseconds.
func durationColumn(name string, field func(*Result) *time.Duration) trialColumn {
	return trialColumn{Name: name, Unit: "ms",
		get: func(_ Setting, r *Result) string { return formatFloat(toMs(*field(r))) },
		set: func(r *Result, text string) (err error) { *field(r), err = parseMs(text); return err }}
}

// reachedColumn is a time a trial may never have reached: an empty cell then.
func reachedColumn(name string, field func(*Result) *time.Duration) trialColumn {
	c := durationColumn(name, field)
	c.get = func(_ Setting, r *Result) string {
		if *field(r) == NotReached {
			return ""
		}
		return formatFloat(toMs(*field(r)))
	}
	return c
}

func countColumn(name string, field func(*Result) *int) trialColumn {
	return trialColumn{Name: name,
		get: func(_ Setting, r *Result) string { return strconv.Itoa(*field(r)) },
		set: func(r *Result, text string) (err error) { *field(r), err = strconv.Atoi(text); return err }}
}

// settingColumn repeats the trial's setting, for tools that read trials.csv
// alone; reading back takes the settings from summary.json instead.
func settingColumn(name, unit string, get func(Setting) string) trialColumn {
	return trialColumn{Name: name, Unit: unit, get: func(s Setting, _ *Result) string { return get(s) }}
}

// rateColumn is an RPC count over the whole run per second of run, derived
// from the count and the run's length.
func rateColumn(name string, sent func(*Result) int) trialColumn {
	return trialColumn{Name: name, Unit: "1/s",
		get: func(_ Setting, r *Result) string { return fmt.Sprintf("%.3f", r.PerSecond(sent(r))) }}
}

// trialColumns is trials.csv, in file order.
var trialColumns = []trialColumn{
	countColumn("point", func(r *Result) *int { return &r.Point }),
	countColumn("trial", func(r *Result) *int { return &r.Trial }),
	{Name: "seed",
		get: func(_ Setting, r *Result) string { return strconv.FormatUint(r.Seed, 10) },
		set: func(r *Result, text string) (err error) { r.Seed, err = strconv.ParseUint(text, 10, 64); return err }},
	settingColumn("interval_ms", "ms", func(s Setting) string { return formatFloat(toMs(s.Interval)) }),
	settingColumn("timeout_min_ms", "ms", func(s Setting) string { return formatFloat(toMs(s.TimeoutMin)) }),
	settingColumn("timeout_max_ms", "ms", func(s Setting) string { return formatFloat(toMs(s.TimeoutMax)) }),
	settingColumn("nodes", "", func(s Setting) string { return strconv.Itoa(s.Nodes) }),
	settingColumn("latency", "", Setting.LatencyLabel),
	settingColumn("loss", "", func(s Setting) string { return formatFloat(s.Loss) }),
	// Files from before the outcome column knew no outcome but these two;
	// where the outcome column is present, it comes later and decides.
	{Name: "converged",
		get: func(_ Setting, r *Result) string { return strconv.FormatBool(r.Converged()) },
		set: func(r *Result, text string) error {
			r.Outcome = NotConverged
			if text == "true" {
				r.Outcome = Converged
			}
			return nil
		}},
	{Name: "outcome", optional: true,
		get: func(_ Setting, r *Result) string { return string(r.Outcome) },
		set: func(r *Result, text string) error {
			r.Outcome = TrialOutcome(text)
			if !slices.Contains(TrialOutcomes, r.Outcome) {
				return fmt.Errorf("%q is none of %v", text, TrialOutcomes)
			}
			return nil
		}},
	{Name: "failure",
		get: func(_ Setting, r *Result) string { return r.Failure },
		set: func(r *Result, text string) error { r.Failure = text; return nil }},
	reachedColumn("elected_ms", func(r *Result) *time.Duration { return &r.Elected }),
	reachedColumn("stable_ms", func(r *Result) *time.Duration { return &r.Stable }),
	reachedColumn("heal_ms", func(r *Result) *time.Duration { return &r.Heal }),
	reachedColumn("crash_offset_ms", func(r *Result) *time.Duration { return &r.CrashOffset }),
	countColumn("election_rounds", func(r *Result) *int { return &r.Rounds }),
	countColumn("failed_rounds", func(r *Result) *int { return &r.FailedRounds }),
	countColumn("split_votes", func(r *Result) *int { return &r.SplitVotes }),
	durationColumn("run_ms", func(r *Result) *time.Duration { return &r.Run }),
	durationColumn("phase_ms", func(r *Result) *time.Duration { return &r.Phase }),
	durationColumn("quiet_ms", func(r *Result) *time.Duration { return &r.QuietRun }),
	countColumn("quiet_elections", func(r *Result) *int { return &r.QuietElections }),
	countColumn("quiet_leader_changes", func(r *Result) *int { return &r.QuietLeaderChanges }),
	countColumn("quiet_append_entries", func(r *Result) *int { return &r.Quiet.AppendEntries.Sent }),
	countColumn("quiet_request_votes", func(r *Result) *int { return &r.Quiet.RequestVote.Sent }),
	countColumn("append_entries", func(r *Result) *int { return &r.Total.AppendEntries.Sent }),
	countColumn("request_votes", func(r *Result) *int { return &r.Total.RequestVote.Sent }),
	countColumn("append_entries_delivered", func(r *Result) *int { return &r.Total.AppendEntries.Delivered }),
	countColumn("request_votes_delivered", func(r *Result) *int { return &r.Total.RequestVote.Delivered }),
	rateColumn("append_entries_per_s", func(r *Result) int { return r.Total.AppendEntries.Sent }),
	rateColumn("request_votes_per_s", func(r *Result) int { return r.Total.RequestVote.Sent }),
	countColumn("phase_append_entries", func(r *Result) *int { return &r.Window.AppendEntries.Sent }),
	countColumn("phase_request_votes", func(r *Result) *int { return &r.Window.RequestVote.Sent }),
	// Files from before the per-kind dropped columns keep only this total;
	// read back, it is filed under AppendEntries so that Dropped() is the
	// total. Where the per-kind columns are present, they come later and
	// decide.
	{Name: "dropped",
		get: func(_ Setting, r *Result) string { return strconv.Itoa(r.Dropped()) },
		set: func(r *Result, text string) (err error) {
			r.Total.AppendEntries.Dropped, err = strconv.Atoi(text)
			r.Total.RequestVote.Dropped = 0
			return err
		}},
	// Added after the first files were written: optional when reading.
	optional(countColumn("append_entries_replied", func(r *Result) *int { return &r.Total.AppendEntries.Replied })),
	optional(countColumn("append_entries_dropped", func(r *Result) *int { return &r.Total.AppendEntries.Dropped })),
	optional(countColumn("request_votes_replied", func(r *Result) *int { return &r.Total.RequestVote.Replied })),
	optional(countColumn("request_votes_dropped", func(r *Result) *int { return &r.Total.RequestVote.Dropped })),
	optional(countColumn("phase_append_entries_delivered", func(r *Result) *int { return &r.Window.AppendEntries.Delivered })),
	optional(countColumn("phase_append_entries_replied", func(r *Result) *int { return &r.Window.AppendEntries.Replied })),
	optional(countColumn("phase_append_entries_dropped", func(r *Result) *int { return &r.Window.AppendEntries.Dropped })),
	optional(countColumn("phase_request_votes_delivered", func(r *Result) *int { return &r.Window.RequestVote.Delivered })),
	optional(countColumn("phase_request_votes_replied", func(r *Result) *int { return &r.Window.RequestVote.Replied })),
	optional(countColumn("phase_request_votes_dropped", func(r *Result) *int { return &r.Window.RequestVote.Dropped })),
	optional(countColumn("quiet_append_entries_delivered", func(r *Result) *int { return &r.Quiet.AppendEntries.Delivered })),
	optional(countColumn("quiet_append_entries_replied", func(r *Result) *int { return &r.Quiet.AppendEntries.Replied })),
	optional(countColumn("quiet_append_entries_dropped", func(r *Result) *int { return &r.Quiet.AppendEntries.Dropped })),
	optional(countColumn("quiet_request_votes_delivered", func(r *Result) *int { return &r.Quiet.RequestVote.Delivered })),
	optional(countColumn("quiet_request_votes_replied", func(r *Result) *int { return &r.Quiet.RequestVote.Replied })),
	optional(countColumn("quiet_request_votes_dropped", func(r *Result) *int { return &r.Quiet.RequestVote.Dropped })),
	optional(durationColumn("clock_uncertainty_ms", func(r *Result) *time.Duration { return &r.ClockUncertainty })),
	// The setting's protocol bundle; last, as it came last.
	optional(settingColumn("variant", "", func(s Setting) string { return s.Variant.String() })),
	optional(reachedColumn("stale_leader_ms", func(r *Result) *time.Duration { return &r.Stale })),
	optional(countColumn("leader_changes", func(r *Result) *int { return &r.LeaderChanges })),
}

// optional marks a column that older files may lack.
func optional(c trialColumn) trialColumn {
	c.optional = true
	return c
}

// trialsCSVOmits names the fields of Result that trials.csv does not hold,
// and why. With trialColumns it accounts for every field: the round-trip
// test fails on a field that is in neither.
var trialsCSVOmits = map[string]string{}

// TrialColumns is the header of trials.csv.
var TrialColumns = func() []string {
	names := make([]string, len(trialColumns))
	for i, c := range trialColumns {
		names[i] = c.Name
	}
	return names
}()

// WriteTrialsCSV writes one row per finished trial. Times the trial never
// reached are empty cells.
func WriteTrialsCSV(w io.Writer, o *Outcome) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(TrialColumns); err != nil {
		return err
	}
	row := make([]string, len(trialColumns))
	for p, rs := range o.Results {
		for i := range rs {
			if err := cw.Write(trialRow(row, o.Settings[p], &rs[i])); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// TrialsCSVWriter writes trials.csv while a sweep runs: each trial as soon
// as every trial before it in sweep order (setting by setting, trial by
// trial) is written, so the file is the same, byte for byte, as
// WriteTrialsCSV of the finished sweep. A trial that finishes before an
// earlier one waits in memory until that one is written, or until Close.
type TrialsCSVWriter struct {
	cw       *csv.Writer
	settings []Setting
	first    []int // sweep-order index of setting p's first trial
	shard    Shard // the trials this file holds
	next     int   // the sweep-order index written next
	waiting  map[int]Result
	row      []string
	err      error // the first write error; every later call returns it
}

// NewTrialsCSVWriter writes the header of trials.csv for a sweep of
// settings under o.
func NewTrialsCSVWriter(w io.Writer, settings []Setting, o Options) (*TrialsCSVWriter, error) {
	t := &TrialsCSVWriter{cw: csv.NewWriter(w), settings: settings, first: o.firstTrials(settings), shard: o.Shard,
		next: o.Shard.first(), waiting: map[int]Result{}, row: make([]string, len(trialColumns))}
	if err := t.cw.Write(TrialColumns); err != nil {
		return nil, err
	}
	t.cw.Flush()
	return t, t.cw.Error()
}

// Add takes a finished trial (in any order) and writes what is now next in
// sweep order.
func (t *TrialsCSVWriter) Add(r Result) error {
	if t.err != nil {
		return t.err
	}
	if r.Point < 0 || r.Point >= len(t.settings) || r.Trial < 0 || t.first[r.Point]+r.Trial >= t.first[r.Point+1] ||
		!t.shard.Has(t.first[r.Point]+r.Trial) {
		return fmt.Errorf("trials.csv: trial %d of setting %d is not in the sweep", r.Trial, r.Point)
	}
	t.waiting[t.first[r.Point]+r.Trial] = r
	wrote := false
	for {
		r, ok := t.waiting[t.next]
		if !ok {
			break
		}
		delete(t.waiting, t.next)
		t.next += t.shard.step()
		t.write(&r)
		wrote = true
	}
	if wrote {
		t.cw.Flush()
		t.err = t.cw.Error()
	}
	return t.err
}

// Close writes the trials still waiting for an earlier one that never
// finished (an interrupted or failed sweep), in sweep order.
func (t *TrialsCSVWriter) Close() error {
	if t.err != nil {
		return t.err
	}
	for j := t.next; len(t.waiting) > 0; j += t.shard.step() {
		if r, ok := t.waiting[j]; ok {
			delete(t.waiting, j)
			t.write(&r)
		}
	}
	t.cw.Flush()
	t.err = t.cw.Error()
	return t.err
}

func (t *TrialsCSVWriter) write(r *Result) {
	if err := t.cw.Write(trialRow(t.row, t.settings[r.Point], r)); err != nil && t.err == nil {
		t.err = err
	}
}

// trialRow fills row with r's cells, column by column, and returns it.
func trialRow(row []string, s Setting, r *Result) []string {
	for c, col := range trialColumns {
		row[c] = col.get(s, r)
	}
	return row
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
	index := map[string]int{}
	for i, name := range rows[0] {
		index[name] = i
	}
	// The columns this file has that are read back, in table order.
	type present struct {
		trialColumn
		at int
	}
	var read []present
	for _, c := range trialColumns {
		i, ok := index[c.Name]
		if !ok && !c.optional {
			return nil, fmt.Errorf("trials.csv has no %q column", c.Name)
		}
		if ok && c.set != nil {
			read = append(read, present{c, i})
		}
	}
	out := &Outcome{Settings: settings, Options: o, Results: make([][]Result, len(settings))}
	for line, row := range rows[1:] {
		var r Result
		for _, c := range read {
			if err := c.set(&r, row[c.at]); err != nil {
				return nil, fmt.Errorf("trials.csv line %d: %s: %v", line+2, c.Name, err)
			}
		}
		if r.Point < 0 || r.Point >= len(settings) {
			return nil, fmt.Errorf("trials.csv line %d: point %d, but summary.json has %d settings", line+2, r.Point, len(settings))
		}
		out.Results[r.Point] = append(out.Results[r.Point], r)
	}
	return out, nil
}
