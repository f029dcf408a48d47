package failover

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// Report is one condition's result file.
type Report struct {
	Library    string     `json:"library"` // module path and version, from the build
	Command    string     `json:"command"` // the command line that produced it
	Date       string     `json:"date"`    // UTC, RFC 3339
	Machine    Machine    `json:"machine"`
	Conditions Conditions `json:"conditions"`

	Trials       int       `json:"trials"`
	NotConverged int       `json:"not_converged"` // failovers longer than the limit, left out of the quantiles
	TimeToLeader Quantiles `json:"time_to_leader_ms"`
	Downtime     Quantiles `json:"downtime_ms"`

	RateWindowS float64            `json:"rate_window_s"`
	Rates       map[string]float64 `json:"rates_per_s"` // messages per second, whole cluster, fault-free

	// Samples are the per-trial figures (ms) in trial order, so another
	// tool can compare whole distributions, not only these quantiles.
	Samples Samples `json:"samples"`
}

// Machine says where it ran; the load average matters because the timers are real.
type Machine struct {
	CPUs         int     `json:"cpus"`
	Go           string  `json:"go"`
	LoadAvgStart string  `json:"loadavg_start"`
	LoadAvgEnd   string  `json:"loadavg_end"`
	WallS        float64 `json:"wall_s"`
}

// Conditions are the experiment's settings, in the library's own terms.
type Conditions struct {
	Nodes    int               `json:"nodes"`
	Latency  string            `json:"latency"` // one way, every message
	Crash    string            `json:"crash"`
	Restore  string            `json:"restore"`
	Settings map[string]string `json:"settings"` // the library's configuration
}

// Samples are per-trial milliseconds.
type Samples struct {
	TimeToLeader []float64 `json:"time_to_leader_ms"`
	Downtime     []float64 `json:"downtime_ms"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// Fill sets the trial figures and rates of r from m.
func (r *Report) Fill(m Measurement) {
	r.Trials = len(m.Trials)
	r.Samples = Samples{TimeToLeader: []float64{}, Downtime: []float64{}}
	for _, t := range m.Trials {
		if !t.Converged {
			r.NotConverged++
			continue
		}
		r.Samples.TimeToLeader = append(r.Samples.TimeToLeader, ms(t.TimeToLeader))
		r.Samples.Downtime = append(r.Samples.Downtime, ms(t.Downtime))
	}
	r.TimeToLeader = Summarize(r.Samples.TimeToLeader)
	r.Downtime = Summarize(r.Samples.Downtime)
	r.RateWindowS = m.RateWindow.Seconds()
	r.Rates = map[string]float64{}
	for k, v := range m.Rates {
		r.Rates[k] = math.Round(v*100) / 100
	}
}

// WriteJSON writes r indented.
func (r *Report) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}

// WriteTable writes the short human summary.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d nodes, latency %s", r.Library, r.Conditions.Nodes, r.Conditions.Latency)
	keys := make([]string, 0, len(r.Conditions.Settings))
	for k := range r.Conditions.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, ", %s=%s", k, r.Conditions.Settings[k])
	}
	fmt.Fprintf(&b, "\ntrials %d (not converged %d)\n", r.Trials, r.NotConverged)
	fmt.Fprintf(&b, "%-18s %8s %8s %8s %8s %8s %8s %8s  %s\n", "ms", "p10", "p25", "p50", "p75", "p90", "p99", "max", "median 95% CI")
	for _, row := range []struct {
		name string
		q    Quantiles
	}{{"time to leader", r.TimeToLeader}, {"downtime", r.Downtime}} {
		q := row.q
		fmt.Fprintf(&b, "%-18s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f  [%.1f, %.1f]\n",
			row.name, q.P10, q.P25, q.P50, q.P75, q.P90, q.P99, q.Max, q.MedianCI95[0], q.MedianCI95[1])
	}
	if len(r.Rates) > 0 {
		fmt.Fprintf(&b, "messages/s over %.0f s fault-free:", r.RateWindowS)
		for k := Kind(0); k < numKinds; k++ {
			if v := r.Rates[k.String()]; v != 0 {
				fmt.Fprintf(&b, " %s %.1f", k, v)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
