package bench

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/raftbench/raftbench/sim"
)

// Outcome is what a sweep produced.
type Outcome struct {
	Settings []Setting
	Options  Options
	// Results holds, per setting, the trials that finished, in trial order.
	Results [][]Result
	// Interrupted is set when the context was cancelled before every trial
	// ran; Results then hold what finished.
	Interrupted bool
}

// Done is the number of trials that finished.
func (o *Outcome) Done() int {
	n := 0
	for _, rs := range o.Results {
		n += len(rs)
	}
	return n
}

// Sweep runs o.Trials trials (or the setting's own Trials) of every setting on o.Parallel workers. Each
// trial's seed derives from (o.Seed, setting index, trial index), so the
// results are the same for any number of workers. progress, if not nil, is
// called after each trial with the count done and the total (from one
// goroutine at a time). A broken trial (safety violation, stuck run) stops
// the sweep and is returned as the error. Cancelling ctx stops the trials
// that are running within an event of their simulation and returns the
// trials that finished, with Interrupted set. Memory grows with the trials
// done, not with the trials asked for.
func Sweep(ctx context.Context, settings []Setting, o Options, progress func(done, total int)) (*Outcome, error) {
	return SweepEach(ctx, settings, o, progress, nil)
}

// SweepEach is Sweep that also hands each finished trial to each, if not
// nil, as it finishes (in finish order, from one goroutine at a time), so
// a caller can write it out at once.
func SweepEach(ctx context.Context, settings []Setting, o Options, progress func(done, total int), each func(Result)) (*Outcome, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	for _, s := range settings {
		if err := s.Validate(o); err != nil {
			return nil, err
		}
	}
	first := o.firstTrials(settings) // jobs are numbered setting by setting
	sweep := first[len(settings)]
	total := o.Shard.Count(sweep) // this run's share
	place := func(j int) (p, t int) {
		p = sort.Search(len(settings), func(i int) bool { return first[i+1] > j })
		return p, j - first[p]
	}
	// Results are kept as trials finish, in the order they finish, and put
	// in trial order at the end: an interrupted sweep of a million trials
	// holds only those it ran.
	results := make([][]Result, len(settings))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		mu       sync.Mutex
		done     int
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(o.Parallel, total) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p, t := place(j)
				trial := Trial{Setting: settings[p], Options: o, Seed: TrialSeed(o.Seed, p, t), Point: p, Index: t}
				if o.Trace != nil && t < o.TraceTrials {
					trial.Trace = o.Trace
				}
				r, _, err := RunTrialContext(ctx, trial)
				mu.Lock()
				if errors.Is(err, sim.ErrCancelled) && ctx.Err() != nil {
					// Interrupted: the trial did not finish and is not kept.
				} else if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					cancel()
				} else {
					results[p] = append(results[p], r)
					if each != nil {
						each(r)
					}
					done++
					if progress != nil {
						progress(done, total)
					}
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for j := o.Shard.first(); j < sweep; j += o.Shard.step() {
		select {
		case jobs <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for _, rs := range results {
		slices.SortFunc(rs, func(a, b Result) int { return a.Trial - b.Trial })
	}
	return &Outcome{Settings: settings, Options: o, Results: results, Interrupted: done < total}, nil
}
