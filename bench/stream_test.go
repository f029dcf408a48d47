package bench

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
)

// trials.csv streamed in any finish order, with any trials missing (an
// interrupted sweep), is byte for byte what WriteTrialsCSV writes at the end.
func TestTrialsCSVWriterMatchesWriteTrialsCSV(t *testing.T) {
	settings, o := smallSweep()
	o.Parallel = 4
	var finished []Result
	out, err := SweepEach(context.Background(), settings, o, nil, func(r Result) { finished = append(finished, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(finished) != out.Done() {
		t.Fatalf("each saw %d trials; the sweep finished %d", len(finished), out.Done())
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, drop := range []int{0, 1, 7} {
		order := rng.Perm(len(finished))
		kept := &Outcome{Settings: settings, Options: o, Results: make([][]Result, len(settings))}
		var b bytes.Buffer
		w, err := NewTrialsCSVWriter(&b, settings, o)
		if err != nil {
			t.Fatal(err)
		}
		gone := map[int]bool{}
		for _, i := range order[:drop] {
			gone[i] = true
		}
		for _, i := range order {
			if !gone[i] {
				if err := w.Add(finished[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		for p, rs := range out.Results {
			for _, r := range rs {
				if !gone[indexOf(finished, r)] {
					kept.Results[p] = append(kept.Results[p], r)
				}
			}
		}
		var want bytes.Buffer
		if err := WriteTrialsCSV(&want, kept); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want.Bytes()) {
			t.Errorf("%d trials missing: streamed trials.csv differs from WriteTrialsCSV's (%d and %d bytes)", drop, b.Len(), want.Len())
		}
	}
}

func indexOf(rs []Result, r Result) int {
	for i := range rs {
		if rs[i].Point == r.Point && rs[i].Trial == r.Trial {
			return i
		}
	}
	return -1
}

func TestTrialsCSVWriterRejectsATrialOutsideTheSweep(t *testing.T) {
	settings, o := smallSweep()
	w, err := NewTrialsCSVWriter(&bytes.Buffer{}, settings, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(Result{Point: 0, Trial: o.Trials}); err == nil {
		t.Error("trial past the setting's last was taken")
	}
}
