package bench

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

func TestParseDurationList(t *testing.T) {
	good := []struct {
		in   string
		want []time.Duration
	}{
		{"75ms", []time.Duration{75 * ms}},
		{"50ms,100ms", []time.Duration{50 * ms, 100 * ms}},
		{"50ms..200ms", []time.Duration{50 * ms, 75 * ms, 100 * ms, 125 * ms, 150 * ms, 175 * ms, 200 * ms}},
		{"10ms..20ms", []time.Duration{10 * ms, 12 * ms, 14 * ms, 16 * ms, 18 * ms, 20 * ms}},
		{"100ms..170ms", []time.Duration{100 * ms, 110 * ms, 120 * ms, 130 * ms, 140 * ms, 150 * ms, 160 * ms, 170 * ms}},
		{"1s..2s", []time.Duration{time.Second, 1200 * ms, 1400 * ms, 1600 * ms, 1800 * ms, 2 * time.Second}},
		// 900ms divides into no nice step of 4-8 values: 200ms steps, then the end.
		{"100ms..1s", []time.Duration{100 * ms, 300 * ms, 500 * ms, 700 * ms, 900 * ms, time.Second}},
		// From an end that is not round the steps fall on round multiples.
		{"1ms..10s", []time.Duration{ms, 2 * time.Second, 4 * time.Second, 6 * time.Second, 8 * time.Second, 10 * time.Second}},
		{"3ms..1003ms", []time.Duration{3 * ms, 200 * ms, 400 * ms, 600 * ms, 800 * ms, 1003 * ms}},
		{"50ms..200ms:50ms", []time.Duration{50 * ms, 100 * ms, 150 * ms, 200 * ms}},
		{"50ms..120ms:50ms", []time.Duration{50 * ms, 100 * ms}},
		{"75ms..75ms", []time.Duration{75 * ms}},
		{" 20ms , 30ms..40ms:10ms ", []time.Duration{20 * ms, 30 * ms, 40 * ms}},
	}
	for _, tc := range good {
		var d Durations
		if err := d.Set(tc.in); err != nil || !slices.Equal(d, tc.want) {
			t.Errorf("Durations.Set(%q): %v, %v; want %v", tc.in, d, err, tc.want)
		}
	}
	bad := map[string]string{ // input: a fragment of the error
		"200ms..50ms":    "reversed",
		"0ms":            "not positive",
		"-5ms":           "not positive",
		"50":             "not a duration",
		"fast":           "not a duration",
		"":               "not a duration",
		"50ms..":         "not a duration",
		"50ms..200ms:0s": "not positive",
		"1ms..10s:1us":   "more than 1000 values",
		"9999999h":       "overflows",
		"1ms..9999999h":  "overflows",
		"1.5.5s":         "not a duration",
	}
	refuses(t, &Durations{ms}, bad)
}

// refuses checks that the flag value v refuses each input with an error
// containing want, and keeps the value it had.
func refuses(t *testing.T, v interface {
	Set(string) error
	String() string
}, bad map[string]string) {
	t.Helper()
	before := v.String()
	for in, want := range bad {
		if err := v.Set(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%T.Set(%q) error %v; want one containing %q", v, in, err, want)
		}
		if v.String() != before {
			t.Errorf("%T.Set(%q) changed the value from %s to %s", v, in, before, v)
		}
	}
}

// TestDefaultStepsAreRound: whatever the ends, the values a default step
// puts between them are multiples of the step's round unit (a 2s step:
// whole seconds, never 2.001s; a 25ms step: 5ms), and there are 3 to 9
// values in all.
func TestDefaultStepsAreRound(t *testing.T) {
	ends := []time.Duration{time.Microsecond, ms, 3 * ms, 7 * ms, 13 * ms, 50 * ms, 99 * ms, 101 * ms, 333 * ms,
		time.Second, 1001 * ms, 10 * time.Second, 17 * time.Second, time.Hour, 1000 * time.Hour}
	for _, a := range ends {
		for _, b := range ends {
			if b <= a {
				continue
			}
			var values Durations
			if err := values.Set(a.String() + ".." + b.String()); err != nil {
				t.Fatal(err)
			}
			if len(values) < 3 || len(values) > 9 || values[0] != a || values[len(values)-1] != b || !slices.IsSorted(values) {
				t.Errorf("%v..%v: %v", a, b, values)
				continue
			}
			step := time.Duration(0)
			for i := 1; i < len(values); i++ {
				step = max(step, values[i]-values[i-1])
			}
			for _, v := range values[1 : len(values)-1] {
				if v%grain(step) != 0 {
					t.Errorf("%v..%v: %v is not a multiple of %v: %v", a, b, v, grain(step), values)
				}
			}
		}
	}
}

func TestParseTimeoutRanges(t *testing.T) {
	rs, err := parseTimeoutRanges("150ms..300ms, 3x..6x,200ms")
	if err != nil || len(rs) != 3 {
		t.Fatalf("got %v, %v", rs, err)
	}
	if lo, hi := rs[0].Resolve(50 * ms); lo != 150*ms || hi != 300*ms {
		t.Errorf("durations resolved to %v..%v", lo, hi)
	}
	if lo, hi := rs[1].Resolve(50 * ms); lo != 150*ms || hi != 300*ms {
		t.Errorf("3x..6x of 50ms resolved to %v..%v; want 150ms..300ms", lo, hi)
	}
	if lo, hi := rs[2].Resolve(50 * ms); lo != 200*ms || hi != 200*ms {
		t.Errorf("fixed 200ms resolved to %v..%v", lo, hi)
	}
	if lo, hi := (TimeoutRange{minX: 2.5, maxX: 5, multiple: true}).Resolve(75 * ms); lo != 187500*time.Microsecond || hi != 375*ms {
		t.Errorf("2.5x..5x of 75ms resolved to %v..%v", lo, hi)
	}
	bad := map[string]string{ // input: a fragment of the error
		"300ms..150ms": "reversed",
		"6x..3x":       "reversed",
		"3x..300ms":    "mixes",
		"0x..2x":       "not positive",
		"ax..2x":       "not a multiple",
		"0s..100ms":    "not positive",
		"150..300":     "not a duration",
	}
	refuses(t, &TimeoutRanges{rs[1]}, bad)
}

func TestParseNodesAndLoss(t *testing.T) {
	if n, err := parseNodes("3, 5,7"); err != nil || !slices.Equal(n, []int{3, 5, 7}) {
		t.Errorf("parseNodes: %v, %v", n, err)
	}
	for _, bad := range []string{"five", "3,", "", "3.5"} {
		if _, err := parseNodes(bad); err == nil {
			t.Errorf("parseNodes(%q) accepted", bad)
		}
	}
	if l, err := parseLosses("0,0.01"); err != nil || !slices.Equal(l, []float64{0, 0.01}) {
		t.Errorf("parseLosses: %v, %v", l, err)
	}
	for _, bad := range []string{"1", "-0.1", "1.5", "NaN", "x"} {
		if _, err := parseLosses(bad); err == nil {
			t.Errorf("parseLosses(%q) accepted", bad)
		}
	}
}

// Settings the disk model makes hopeless are warned about before the run.
func TestDiskWarnings(t *testing.T) {
	st := Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}}
	o := DefaultOptions()
	if w := st.Warnings(o); len(w) != 0 {
		t.Errorf("no fsync: warnings %v", w)
	}
	o.Fsync = sim.Constant{D: 25 * ms} // 10ms round trip + 3 writes = 85ms: fits in 100ms
	if w := st.Warnings(o); len(w) != 0 {
		t.Errorf("an 85ms election under a 100ms timeout: warnings %v", w)
	}
	o.Fsync = sim.Constant{D: 30 * ms} // 100ms: does not
	if w := st.Warnings(o); len(w) != 1 || !strings.Contains(w[0], "does not fit in ElectionTimeoutMin (100ms)") {
		t.Errorf("a 100ms election under a 100ms timeout: warnings %v", w)
	}
	st.Latency = nil // writes alone can be too slow
	o.Fsync = sim.Constant{D: 40 * ms}
	if w := st.Warnings(o); len(w) != 1 {
		t.Errorf("no latency, 40ms writes: warnings %v", w)
	}
}
