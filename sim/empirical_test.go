package sim

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeFile puts content in a file of its own under t's temporary folder.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseEmpirical(t *testing.T) {
	us := time.Microsecond
	good := []struct {
		name, content string
		want          []time.Duration
	}{
		{"ms.json", `{"format":"raftbench-samples/v1","unit":"ms","samples":[0.05,0.1,1.5]}`, []time.Duration{50 * us, 100 * us, 1500 * us}},
		{"ns.json", `{"format":"raftbench-samples/v1","unit":"ns","samples":[1,2,3]}`, []time.Duration{1, 2, 3}},
		{"us.json", `{"format":"raftbench-samples/v1","unit":"us","samples":[52.5]}`, []time.Duration{52500}},
		{"s.json", `{"format":"raftbench-samples/v1","unit":"s","samples":[0.002,0]}`, []time.Duration{2 * time.Millisecond, 0}},
		// Fields it does not know (a later version's, a person's notes)
		// are no reason to refuse the samples.
		{"extra.json", `{"format":"raftbench-samples/v1","unit":"ms","note":"from ping","samples":[1]}`, []time.Duration{time.Millisecond}},
		{"a:b.json", `{"format":"raftbench-samples/v1","unit":"ms","samples":[2]}`, []time.Duration{2 * time.Millisecond}},
	}
	for _, tc := range good {
		path := writeFile(t, tc.name, tc.content)
		for _, spelling := range []string{"empirical:" + path, " Empirical: " + path + " "} {
			m, err := ParseLatency(spelling)
			if err != nil {
				t.Errorf("ParseLatency(%q): %v", spelling, err)
				continue
			}
			e, ok := m.(*Empirical)
			if !ok || !slices.Equal(e.Samples, tc.want) {
				t.Errorf("ParseLatency(%q) = %#v; want samples %v", spelling, m, tc.want)
				continue
			}
			// The flag form comes back, so result files replay with it.
			if got := m.String(); got != "empirical:"+path {
				t.Errorf("String() = %q; want %q", got, "empirical:"+path)
			}
			if again, err := ParseLatency(m.String()); err != nil || !slices.Equal(again.(*Empirical).Samples, tc.want) {
				t.Errorf("ParseLatency(String()) = %v, %v", again, err)
			}
		}
	}

	dir := t.TempDir()
	bad := []struct {
		name, content string // name "" reads a file that does not exist
		want          []string
	}{
		{"", "", []string{"no such file"}},
		{"empty.json", "", []string{"empty.json is not JSON"}},
		{"text.json", "0.1 0.2 0.3\n", []string{"text.json is not JSON"}},
		{"cut.json", `{"format":"raftbench-samples/v1","unit":"ms","samples":[1,2`, []string{"cut.json is not JSON"}},
		{"summary.json", `{"tool":"raftbench","options":{}}`, []string{"summary.json is not a file of samples", `"format" is ""`}},
		{"array.json", `[1,2,3]`, []string{"array.json is not a file of samples"}},
		{"strings.json", `{"format":"raftbench-samples/v1","unit":"ms","samples":["1ms"]}`, []string{"strings.json is not a file of samples"}},
		{"v2.json", `{"format":"raftbench-samples/v2","unit":"ms","samples":[1]}`, []string{`"format" is "raftbench-samples/v2"`}},
		{"none.json", `{"format":"raftbench-samples/v1","unit":"ms","samples":[]}`, []string{"none.json holds no samples"}},
		{"missing.json", `{"format":"raftbench-samples/v1","unit":"ms"}`, []string{"missing.json holds no samples"}},
		{"neg.json", `{"format":"raftbench-samples/v1","unit":"ms","samples":[1,-0.5]}`, []string{"neg.json", "sample 2 is negative"}},
		{"unit.json", `{"format":"raftbench-samples/v1","unit":"parsec","samples":[1]}`, []string{`unit "parsec"`}},
		{"nounit.json", `{"format":"raftbench-samples/v1","samples":[1]}`, []string{`unit ""`}},
		{"huge.json", `{"format":"raftbench-samples/v1","unit":"s","samples":[1e12]}`, []string{"too long for a duration"}},
	}
	for _, tc := range bad {
		path := filepath.Join(dir, "absent.json")
		if tc.name != "" {
			path = writeFile(t, tc.name, tc.content)
		}
		in := "empirical:" + path
		_, err := ParseLatency(in)
		if err == nil {
			t.Errorf("ParseLatency(%q) accepted %q", in, tc.content)
			continue
		}
		msg := err.Error()
		for _, w := range append(tc.want, `latency "`+in+`"`, "want empirical:FILE") {
			if !strings.Contains(msg, w) {
				t.Errorf("ParseLatency(%s): %q lacks %q", tc.name, msg, w)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("ParseLatency(%s): error of several lines: %q", tc.name, msg)
		}
	}
	if _, err := ParseLatency("empirical:"); err == nil || !strings.Contains(err.Error(), "want empirical:FILE") {
		t.Errorf("ParseLatency(empirical:) error %v; want the form", err)
	}
}

func TestEmpiricalValidate(t *testing.T) {
	for _, tc := range []struct {
		e    *Empirical
		want string // "" valid
	}{
		{&Empirical{File: "a", Samples: []time.Duration{0, 1}}, ""},
		{&Empirical{File: "a"}, "no samples"},
		{&Empirical{File: "a", Samples: []time.Duration{1, -1}}, "sample 2 is negative"},
	} {
		err := tc.e.Validate()
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v.Validate() = %v; want %q", tc.e.Samples, err, tc.want)
		}
	}
	if m := (&Empirical{}).MeanDelay(); m != 0 {
		t.Errorf("MeanDelay of no samples = %v; want 0", m)
	}
}

// Draws come from the samples only, every sample is drawn about equally
// often, and the draws' mean converges on MeanDelay, which is the samples'
// mean.
func TestEmpiricalSamplesTheMeasuredDistribution(t *testing.T) {
	ms := time.Millisecond
	// A skewed set with a repeated value and a long tail, as measurements
	// are: uniform draws must draw 1ms three times as often as 9ms.
	samples := []time.Duration{ms, ms, ms, 2 * ms, 3 * ms, 9 * ms, 40 * ms}
	e := &Empirical{File: "x.json", Samples: samples}
	var sum float64
	for _, d := range samples {
		sum += float64(d)
	}
	if want := time.Duration(sum / float64(len(samples))); e.MeanDelay() != want {
		t.Fatalf("MeanDelay = %v; want %v", e.MeanDelay(), want)
	}
	r := rand.New(rand.NewPCG(7, 8))
	const n = 70000
	counts := map[time.Duration]int{}
	var drawn float64
	for range n {
		d := e.Sample(r)
		counts[d]++
		drawn += float64(d)
	}
	for d := range counts {
		if !slices.Contains(samples, d) {
			t.Errorf("drew %v, which is not a sample", d)
		}
	}
	for _, d := range []time.Duration{ms, 2 * ms, 40 * ms} {
		share := float64(counts[d]) / n
		expected := float64(countOf(samples, d)) / float64(len(samples))
		// Binomial standard error at n=70000 is under 0.002; 0.01 is five
		// of them.
		if math.Abs(share-expected) > 0.01 {
			t.Errorf("%v drawn %.3f of the time; want %.3f", d, share, expected)
		}
	}
	mean := drawn / n
	if got, want := mean, float64(e.MeanDelay()); math.Abs(got-want) > 0.02*want {
		t.Errorf("mean of draws %.3fms; want %.3fms within 2%%", got/float64(ms), want/float64(ms))
	}
	// The same seed draws the same delays.
	a, b := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
	for range 100 {
		if x, y := e.Sample(a), e.Sample(b); x != y {
			t.Fatalf("same seed drew %v and %v", x, y)
		}
	}
}

func countOf(xs []time.Duration, x time.Duration) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// What NewSampleFile writes, ReadSampleFile reads back to the nanosecond.
func TestSampleFileRoundTrip(t *testing.T) {
	samples := []time.Duration{1, 999, 52131, 1234567, 3 * time.Second, 0}
	f := NewSampleFile("fsync", samples, Measurement{At: time.Date(2026, 11, 30, 1, 2, 3, 0, time.UTC), Host: "h", Dir: "/d"})
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "f.json", string(b))
	back, err := ReadSampleFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.Durations()
	if err != nil || !slices.Equal(got, samples) {
		t.Errorf("read back %v, %v; want %v", got, err, samples)
	}
	if back.Quantity != "fsync" || back.Unit != "ms" || back.Measured.Dir != "/d" || !back.Measured.At.Equal(f.Measured.At) {
		t.Errorf("read back %+v", back)
	}
}
