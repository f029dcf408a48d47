package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
)

func smallSweep() ([]Setting, Options) {
	var settings []Setting
	for _, iv := range []time.Duration{30 * ms, 75 * ms} {
		settings = append(settings, Setting{Interval: iv, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5,
			Latency: sim.Normal{Mean: 5 * ms, StdDev: 2 * ms}, Loss: 0.02})
	}
	o := DefaultOptions()
	o.Trials = 40
	o.Seed = 99
	return settings, o
}

func TestSweepSameForAnyParallelism(t *testing.T) {
	settings, o := smallSweep()
	o.Parallel = 1
	serial, err := Sweep(context.Background(), settings, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.Parallel = 4
	calls := 0
	parallel, err := Sweep(context.Background(), settings, o, func(done, total int) {
		calls++
		if total != 80 || done != calls {
			t.Errorf("progress(%d, %d) on call %d", done, total, calls)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(serial.Results, parallel.Results) {
		t.Fatal("parallel 4 gave different trial results from parallel 1")
	}
	if calls != 80 || serial.Done() != 80 || serial.Interrupted {
		t.Fatalf("progress calls %d, done %d, interrupted %v", calls, serial.Done(), serial.Interrupted)
	}
	// Distinct trials get distinct seeds.
	seen := map[uint64]bool{}
	for _, rs := range serial.Results {
		for _, r := range rs {
			if seen[r.Seed] {
				t.Fatalf("seed %d used twice", r.Seed)
			}
			seen[r.Seed] = true
		}
	}
}

func TestSweepReplaysOneTrial(t *testing.T) {
	settings, o := smallSweep()
	out, err := Sweep(context.Background(), settings, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := out.Results[1][17]
	got, _, err := RunTrial(Trial{Setting: settings[1], Options: o, Seed: want.Seed, Point: 1, Index: 17})
	if err != nil || got != want {
		t.Fatalf("replaying seed %d gave %+v (%v); the sweep recorded %+v", want.Seed, got, err, want)
	}
}

func TestSweepInterrupted(t *testing.T) {
	settings, o := smallSweep()
	ctx, cancel := context.WithCancel(context.Background())
	out, err := Sweep(ctx, settings, o, func(done, total int) {
		if done == 10 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted || out.Done() < 10 || out.Done() >= 80 {
		t.Fatalf("interrupted %v with %d done; want a partial outcome", out.Interrupted, out.Done())
	}
}

func TestSettingJSONRoundTrip(t *testing.T) {
	for _, lat := range []sim.Latency{sim.Constant{D: 5 * ms}, sim.Uniform{Min: 2 * ms, Max: 8 * ms}, sim.Normal{Mean: 5 * ms, StdDev: ms},
		sim.LogNormal{Median: 5 * ms, Sigma: 0.5}, sim.Exponential{Min: ms, Mean: 5 * ms}, sim.Exponential{Mean: 5 * ms}} {
		s := Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: lat, Loss: 0.01}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Setting
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Fatalf("%s came back as %+v (%v)", b, back, err)
		}
	}
	o := DefaultOptions()
	o.Runtime, o.Eligible, o.Fsync = sim.Realtime, 3, sim.Normal{Mean: 7 * ms, StdDev: ms}
	b, _ := json.Marshal(o)
	var back Options
	if err := json.Unmarshal(b, &back); err != nil || back != o {
		t.Fatalf("options %s came back as %+v (%v)", b, back, err)
	}
}

func TestOptionsValidate(t *testing.T) {
	bad := []func(*Options){
		func(o *Options) { o.Trials = 0 },
		func(o *Options) { o.Parallel = 0 },
		func(o *Options) { o.Eligible = -1 },
		func(o *Options) { o.Limit = 0 },
		func(o *Options) { o.Scenario = "meltdown" },
		func(o *Options) { o.Scenario, o.Duration = Steady, 0 },
	}
	for i, f := range bad {
		o := DefaultOptions()
		f(&o)
		if o.Validate() == nil {
			t.Errorf("case %d: %+v accepted", i, o)
		}
	}
	s := Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 3}
	o := DefaultOptions()
	o.Eligible = 4
	if s.Validate(o) == nil {
		t.Error("eligible 4 of 3 nodes accepted")
	}
}

func TestTrialsCSVRoundTrip(t *testing.T) {
	settings, o := smallSweep()
	o.Trials = 10
	out, err := Sweep(context.Background(), settings, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTrialsCSV(&b, out); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTrialsCSV(&b, settings, o)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := json.Marshal(out.Summarize())
	s2, _ := json.Marshal(back.Summarize())
	if !bytes.Equal(s1, s2) {
		t.Fatalf("statistics from trials.csv differ from the run's:\n%s\n%s", s1, s2)
	}
}
