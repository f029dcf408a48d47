package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one machine's share of a sweep (-shard K/N): the trials whose
// index in sweep order (setting by setting, trial by trial) is K modulo N.
// A trial's seed and result depend only on its place in the sweep, so the
// shards of a sweep, merged, are the sweep (MergeShards). N zero: the
// whole sweep.
type Shard struct{ K, N int }

// Whole reports whether s is the whole sweep.
func (s Shard) Whole() bool { return s.N == 0 }

// Has reports whether the trial at sweep-order index j is s's.
func (s Shard) Has(j int) bool { return s.N == 0 || j%s.N == s.K }

// Count is how many of a sweep's total trials are s's.
func (s Shard) Count(total int) int {
	if s.N == 0 {
		return total
	}
	if s.K >= total {
		return 0
	}
	return (total-s.K-1)/s.N + 1
}

// first and step walk s's trials in sweep order.
func (s Shard) first() int { return s.K }

func (s Shard) step() int {
	if s.N == 0 {
		return 1
	}
	return s.N
}

func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// ParseShard reads K/N.
func ParseShard(text string) (Shard, error) {
	k, n, ok := strings.Cut(text, "/")
	kv, err1 := strconv.Atoi(strings.TrimSpace(k))
	nv, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("want K/N, this machine's share K of N shards, K in 0..N-1, such as 0/8")
	}
	s := Shard{K: kv, N: nv}
	return s, s.validate()
}

func (s Shard) validate() error {
	switch {
	case s.N == 0 && s.K == 0:
		return nil
	case s.N < 1:
		return fmt.Errorf("%d shards; want 1 or more", s.N)
	case s.K < 0 || s.K >= s.N:
		return fmt.Errorf("shard %d of %d; want K in 0..%d", s.K, s.N, s.N-1)
	}
	return nil
}

// Set reads -shard: *Shard is a flag.Value.
func (s *Shard) Set(text string) error {
	v, err := ParseShard(text)
	if err != nil {
		return err
	}
	*s = v
	return nil
}
