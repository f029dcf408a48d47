package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ShardRun is one shard's output folder as read back: its summary and the
// trials it holds.
type ShardRun struct {
	Dir     string
	Summary *Summary
	Outcome *Outcome
}

// MergeShards puts the shards of one sweep back together: the outcome one
// unsharded run with the same flags produces, trial for trial. It refuses,
// naming the folder, shards of different sweeps (settings, options, seed
// or build), a shard given twice, a missing shard, and a shard that is not
// complete (interrupted, or missing or holding trials it should not).
func MergeShards(runs []ShardRun) (*Outcome, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("no shard folders given")
	}
	base := runs[0]
	n := base.Summary.Options.Shard.N
	if n == 0 {
		return nil, fmt.Errorf("%s is not a shard (its run had no -shard)", base.Dir)
	}
	identity := func(r ShardRun) ([]byte, error) {
		o := r.Summary.Options
		o.Shard, o.Parallel = Shard{}, 0 // what may differ between the shards of one sweep
		return json.Marshal(struct {
			Version  string
			Options  Options
			Settings []Setting
		}{r.Summary.Version, o, r.Summary.Settings})
	}
	want, err := identity(base)
	if err != nil {
		return nil, err
	}
	held := make([]string, n) // shard K's folder
	for _, r := range runs {
		s := r.Summary.Options.Shard
		switch {
		case s.N == 0:
			return nil, fmt.Errorf("%s is not a shard (its run had no -shard)", r.Dir)
		case s.N != n:
			return nil, fmt.Errorf("%s is shard %v, of %d shards; %s is of %d: not one sweep", r.Dir, s, s.N, base.Dir, n)
		case held[s.K] != "":
			return nil, fmt.Errorf("%s and %s both hold shard %v", held[s.K], r.Dir, s)
		}
		got, err := identity(r)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(got, want) {
			return nil, fmt.Errorf("%s is from another sweep than %s (settings, options, seed or raftbench build differ)", r.Dir, base.Dir)
		}
		if r.Summary.Interrupted {
			return nil, fmt.Errorf("%s (shard %v) was interrupted: run that shard again", r.Dir, s)
		}
		held[s.K] = r.Dir
	}
	var missing []string
	for k, dir := range held {
		if dir == "" {
			missing = append(missing, fmt.Sprintf("%d/%d", k, n))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("shard %s missing: give every shard's folder", strings.Join(missing, ", "))
	}
	settings, o := base.Summary.Settings, base.Summary.Options
	o.Shard = Shard{}
	first := o.firstTrials(settings)
	merged := &Outcome{Settings: settings, Options: o, Results: make([][]Result, len(settings))}
	for _, r := range runs {
		s := r.Summary.Options.Shard
		count := 0
		for p, rs := range r.Outcome.Results {
			for _, res := range rs {
				j := first[p] + res.Trial
				if res.Trial < 0 || j >= first[p+1] || !s.Has(j) {
					return nil, fmt.Errorf("%s (shard %v) holds trial %d of setting %d, which is not its", r.Dir, s, res.Trial, p)
				}
				merged.Results[p] = append(merged.Results[p], res)
				count++
			}
		}
		if want := s.Count(first[len(settings)]); count != want {
			return nil, fmt.Errorf("%s (shard %v) holds %d trials; the shard has %d: run it again", r.Dir, s, count, want)
		}
	}
	for p, rs := range merged.Results {
		slices.SortFunc(rs, func(a, b Result) int { return a.Trial - b.Trial })
		for i, r := range rs {
			if r.Trial != i {
				return nil, fmt.Errorf("setting %d: trial %d missing or held twice", p, i)
			}
		}
	}
	return merged, nil
}
