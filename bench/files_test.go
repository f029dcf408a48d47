package bench

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

// leaves lists the paths ("Total.AppendEntries.Sent") of every field of a
// struct type that holds a value rather than further fields.
func leaves(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct {
			out = append(out, leaves(f.Type, prefix+f.Name+".")...)
			continue
		}
		out = append(out, prefix+f.Name)
	}
	return out
}

func field(v reflect.Value, path string) reflect.Value {
	for len(path) > 0 {
		name, rest, _ := cut(path)
		v, path = v.FieldByName(name), rest
	}
	return v
}

func cut(path string) (string, string, bool) {
	for i := range len(path) {
		if path[i] == '.' {
			return path[:i], path[i+1:], true
		}
	}
	return path, "", false
}

// distinctResult fills every field of a Result with a value no other field
// has, so that a column read into the wrong field shows.
func distinctResult(t *testing.T) Result {
	var r Result
	v := reflect.ValueOf(&r).Elem()
	for k, path := range leaves(v.Type(), "") {
		f := field(v, path)
		n := k + 1
		switch {
		case f.Type() == reflect.TypeFor[TrialOutcome]():
			f.SetString(string(NotConverged)) // not the one the converged column implies by itself
		case f.Type() == reflect.TypeFor[time.Duration]():
			f.SetInt(int64(time.Duration(n)*time.Millisecond + time.Duration(n)*time.Microsecond))
		case f.Kind() == reflect.Int:
			f.SetInt(int64(n))
		case f.Kind() == reflect.Uint64:
			f.SetUint(uint64(n) << 40)
		case f.Kind() == reflect.String:
			f.SetString(`why, "quoted", ` + path)
		default:
			t.Fatalf("Result.%s is a %v; teach distinctResult to fill it", path, f.Type())
		}
	}
	return r
}

// Every field of Result comes back from trials.csv as it was, except those
// the file deliberately does not hold (trialsCSVOmits, each with its
// reason); a field added to Result without a column fails here.
func TestTrialsCSVRoundTripsEveryField(t *testing.T) {
	want := distinctResult(t)
	settings := make([]Setting, want.Point+1)
	for i := range settings {
		settings[i] = Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: ms}}
	}
	out := &Outcome{Settings: settings, Options: DefaultOptions(), Results: make([][]Result, len(settings))}
	out.Results[want.Point] = []Result{want}
	var b bytes.Buffer
	if err := WriteTrialsCSV(&b, out); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTrialsCSV(bytes.NewReader(b.Bytes()), settings, out.Options)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(back.Results[want.Point]) != 1 {
		t.Fatalf("read back %v; want one trial at point %d", back.Results, want.Point)
	}
	got := back.Results[want.Point][0]
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	all := leaves(wv.Type(), "")
	for _, path := range all {
		if _, omitted := trialsCSVOmits[path]; omitted {
			continue
		}
		g, w := field(gv, path).Interface(), field(wv, path).Interface()
		if g != w {
			t.Errorf("Result.%s: wrote %v, read back %v", path, w, g)
		}
	}
	for path := range trialsCSVOmits {
		if !slices.Contains(all, path) {
			t.Errorf("trialsCSVOmits names Result.%s, which does not exist", path)
		}
	}
	// What the file keeps of the omitted fields.
	if got.Dropped() != want.Dropped() {
		t.Errorf("Dropped(): wrote %d, read back %d", want.Dropped(), got.Dropped())
	}
}

// Every column that holds milliseconds says so in its name.
func TestTrialColumnUnits(t *testing.T) {
	for _, c := range trialColumns {
		if (c.Unit == "ms") != strings.HasSuffix(c.Name, "_ms") {
			t.Errorf("column %s has unit %q", c.Name, c.Unit)
		}
	}
}

// Each column of summary.csv shows a different statistic: filled with
// distinct values, a PointSummary gives distinct cells, so no two columns
// read the same field.
func TestSummaryColumnsAreDistinct(t *testing.T) {
	var p PointSummary
	v := reflect.ValueOf(&p).Elem()
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch {
		case v.Type() == reflect.TypeFor[Setting]():
			v.Set(reflect.ValueOf(Setting{Interval: 1001 * ms, TimeoutMin: 1002 * ms, TimeoutMax: 1003 * ms, Nodes: 1004, Latency: sim.Constant{D: ms}, Loss: 0.1005}))
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case v.Kind() == reflect.Int:
			n++
			v.SetInt(int64(n))
		case v.Kind() == reflect.Float64:
			n++
			v.SetFloat(float64(n) + 0.5)
		default:
			t.Fatalf("PointSummary holds a %v; teach the test to fill it", v.Type())
		}
	}
	fill(v)
	seen := map[string]string{}
	for _, c := range summaryColumns {
		cell := c.get(p)
		if other, ok := seen[cell]; ok {
			t.Errorf("columns %s and %s both read %s", other, c.Name, cell)
		}
		seen[cell] = c.Name
		if (c.Unit == "ms") != strings.HasSuffix(c.Name, "_ms") {
			t.Errorf("column %s has unit %q", c.Name, c.Unit)
		}
	}
}

// A trials.csv from before the per-kind counts still reads, with the total
// of dropped calls where Dropped() finds it.
func TestTrialsCSVWithoutPerKindCounts(t *testing.T) {
	want := distinctResult(t)
	want.Point = 0
	s := Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: ms}}
	out := &Outcome{Settings: []Setting{s}, Options: DefaultOptions(), Results: [][]Result{{want}}}
	old := olderTrialsCSV(t, out, func(header []string) []int {
		return []int{slices.Index(header, "dropped") + 1, len(header)}
	})
	back, err := ReadTrialsCSV(old, []Setting{s}, out.Options)
	if err != nil {
		t.Fatal(err)
	}
	got := back.Results[0][0]
	if got.Dropped() != want.Dropped() || got.Total.AppendEntries.Sent != want.Total.AppendEntries.Sent || got.Total.RequestVote.Replied != 0 {
		t.Errorf("old file read back as %+v; want Dropped() %d", got, want.Dropped())
	}
}

// olderTrialsCSV writes out's trials.csv without the columns that cut gives
// (from, to: the half-open range of column indices to leave out), as a file
// written before those columns existed.
func olderTrialsCSV(t *testing.T, out *Outcome, cut func(header []string) []int) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTrialsCSV(&b, out); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	c := cut(rows[0])
	var old bytes.Buffer
	w := csv.NewWriter(&old)
	for _, row := range rows {
		w.Write(append(row[:c[0]:c[0]], row[c[1]:]...))
	}
	w.Flush()
	return &old
}
