package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Empirical delays messages (or writes) by a draw, uniformly at random, from
// measured samples: the measured distribution itself, its tail included,
// with no shape assumed. raftbench probe measures the samples and writes
// them to File (see SampleFile); `-latency empirical:FILE` reads them back.
//
// Use it as a *Empirical: the samples are a slice, and models are compared
// with == in places (a pointer compares, a struct holding a slice panics).
type Empirical struct {
	// File is where the samples were read from, as the flag named it, so
	// String gives back the flag and result files replay with it.
	File    string
	Samples []time.Duration
}

// Sample draws one of the samples, each with the same probability; one
// draw from r, so a seed gives the same delays on any machine.
func (e *Empirical) Sample(r *rand.Rand) time.Duration {
	return e.Samples[r.IntN(len(e.Samples))]
}

func (e *Empirical) String() string { return "empirical:" + e.File }

// MeanDelay is the samples' mean, which is what uniform draws average to.
func (e *Empirical) MeanDelay() time.Duration {
	if len(e.Samples) == 0 {
		return 0 // Validate refuses it; a mean must not be NaN meanwhile
	}
	// Summed in float64: a million samples of a second would overflow no
	// int64, but nothing bounds how many or how long they are.
	sum := 0.0
	for _, d := range e.Samples {
		sum += float64(d)
	}
	return time.Duration(sum / float64(len(e.Samples)))
}

func (e *Empirical) Validate() error {
	if len(e.Samples) == 0 {
		return fmt.Errorf("empirical latency %s: no samples", e.File)
	}
	for i, d := range e.Samples {
		if d < 0 {
			return fmt.Errorf("empirical latency %s: sample %d is negative (%v)", e.File, i+1, d)
		}
	}
	return nil
}
