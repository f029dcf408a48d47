package bench

import (
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/raftbench/raftbench/sim"
)

// The flag.Value types of the experiment's knobs that are neither a list
// nor a plain number: latency models, the runtime, the scenario and the
// output format. Each parses in Set, once; what depends on other values is
// checked by Options.Validate and Setting.Validate.

// Latencies is a repeatable latency flag: each Set adds one model (in
// sim.LatencyForms), the first replacing the default.
type Latencies struct {
	Models []sim.Latency
	given  bool
}

func (l *Latencies) Set(s string) error {
	m, err := sim.ParseLatency(s)
	if err != nil {
		return err
	}
	if !l.given {
		l.Models, l.given = nil, true
	}
	l.Models = append(l.Models, m)
	return nil
}

func (l *Latencies) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(l.Models))
	for i, m := range l.Models {
		parts[i] = m.String()
	}
	return strings.Join(parts, " ")
}

// FsyncModel is the flag.Value of Options.Fsync: a latency model, where
// one whose mean is zero means instant writes (nil).
type FsyncModel struct{ P *sim.Latency }

func (f FsyncModel) Set(s string) error {
	m, err := sim.ParseLatency(s)
	if err != nil {
		return err
	}
	if m.MeanDelay() == 0 {
		m = nil
	}
	*f.P = m
	return nil
}

func (f FsyncModel) String() string {
	if f.P == nil {
		return ""
	}
	return Options{Fsync: *f.P}.FsyncLabel()
}

// RuntimeFlag is the flag.Value of Options.Runtime, by the runtimes' names.
type RuntimeFlag struct{ P *sim.RuntimeKind }

var runtimes = []sim.RuntimeKind{sim.Virtual, sim.Realtime, sim.Process}

func (r RuntimeFlag) Set(s string) error {
	for _, k := range runtimes {
		if s == k.String() {
			*r.P = k
			return nil
		}
	}
	return fmt.Errorf("want %s, %s or %s", runtimes[0], runtimes[1], runtimes[2])
}

func (r RuntimeFlag) String() string {
	if r.P == nil {
		return ""
	}
	return r.P.String()
}

// Format is how a run's statistics go to standard output.
type Format string

const (
	FormatTable Format = "table" // a table per setting and an overview
	FormatCSV   Format = "csv"   // summary.csv: one row per setting
	FormatJSON  Format = "json"  // summary.json
)

func (f *Format) Set(s string) error {
	switch Format(s) {
	case FormatTable, FormatCSV, FormatJSON:
		*f = Format(s)
		return nil
	}
	return fmt.Errorf("want %s, %s or %s", FormatTable, FormatCSV, FormatJSON)
}

func (f Format) String() string { return string(f) }

// Write writes s in format f.
func (f Format) Write(w io.Writer, s *Summary) error {
	switch f {
	case FormatCSV:
		return WriteSummaryCSV(w, s.Points)
	case FormatJSON:
		return s.WriteJSON(w)
	}
	return WriteTable(w, s.Options, s.Points)
}

// Addresses is a comma-separated list of host:port addresses (-agents).
type Addresses []string

func (a *Addresses) Set(s string) error {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		host, port, err := net.SplitHostPort(part)
		if err != nil || host == "" || port == "" {
			return fmt.Errorf("%q is not host:port; want addresses such as 10.0.0.5:7700,10.0.0.6:7700", part)
		}
		out = append(out, part)
	}
	*a = append(*a, out...)
	return nil
}

func (a *Addresses) String() string {
	if a == nil {
		return ""
	}
	return strings.Join(*a, ",")
}
