package bench

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/raftbench/raftbench/raft"
)

// Variant names a bundle of protocol options (raft.Config's PreVote,
// CheckQuorum, Ticks, Hashicorp, ...): a sweep dimension like the heartbeat
// interval, so one sweep compares the Raft people actually run. Each
// bundle maps the common settings (-interval, -election-timeout) to its own
// parameters; Mapping says how.
type Variant string

const (
	// VariantPaper is the Raft paper's election, as the lab builds it.
	VariantPaper Variant = "paper"
	// VariantPreVote adds PreVote (the Raft dissertation, §9.6).
	VariantPreVote Variant = "prevote"
	// VariantPreVoteCheckQuorum adds PreVote and CheckQuorum.
	VariantPreVoteCheckQuorum Variant = "prevote+checkquorum"
	// VariantEtcd is etcd's server: etcd-io/raft's tick-based timers with
	// PreVote and CheckQuorum on.
	VariantEtcd Variant = "etcd"
	// VariantHashicorp is hashicorp/raft's timers (Consul, Nomad).
	VariantHashicorp Variant = "hashicorp"
)

// Variants lists every bundle, in the order -h gives them.
var Variants = []Variant{VariantPaper, VariantPreVote, VariantPreVoteCheckQuorum, VariantEtcd, VariantHashicorp}

// orPaper is v, with the zero value read as the paper's.
func (v Variant) orPaper() Variant {
	if v == "" {
		return VariantPaper
	}
	return v
}

func (v Variant) String() string { return string(v.orPaper()) }

// ParseVariant reads a bundle's name.
func ParseVariant(s string) (Variant, error) {
	for _, v := range Variants {
		if s == string(v) {
			return v, nil
		}
	}
	names := make([]string, len(Variants))
	for i, v := range Variants {
		names[i] = string(v)
	}
	return "", fmt.Errorf("unknown variant %q; want one of %s", s, strings.Join(names, ", "))
}

// Mapping says, for -h and the README, how the bundle reads -interval and
// -election-timeout MIN..MAX.
func (v Variant) Mapping() string {
	switch v.orPaper() {
	case VariantPreVote:
		return "paper + PreVote: a would-be candidate first asks whether it could win, without raising its term"
	case VariantPreVoteCheckQuorum:
		return "paper + PreVote + CheckQuorum: a leader that has not heard from a majority within MIN steps down"
	case VariantEtcd:
		return "etcd server: a tick of -interval (etcd's --heartbeat-interval), HeartbeatTick 1, ElectionTick MIN/interval rounded (etcd's --election-timeout); timeouts drawn in whole ticks in [ElectionTick, 2 x ElectionTick), MAX unused; each peer boots at a random point of a tick, as servers' tickers are out of phase; PreVote and CheckQuorum on (CheckQuorum brings etcd's vote lease: votes refused while a leader was heard within the election timeout)"
	case VariantHashicorp:
		return "hashicorp/raft v1.8 (Consul, Nomad): HeartbeatTimeout = ElectionTimeout = MIN, LeaderLeaseTimeout = MIN/2, heartbeats every MIN/10 (-interval unused); a follower checks at random [MIN, 2 x MIN) whether it heard the leader within MIN, and does not restart that timer on each heartbeat; PreVote on and votes refused while a leader is known, as v1.8 does"
	}
	return "the Raft paper's election as the MIT lab builds it: heartbeat every -interval, timeout drawn in [MIN, MAX], restarted on every heartbeat"
}

// apply sets the bundle's options on cfg, which holds the setting's
// interval and timeout range; the timing fields are set to the values the
// bundle really uses, so labels and warnings speak of them.
func (v Variant) apply(cfg *raft.Config) {
	switch v.orPaper() {
	case VariantPreVote:
		cfg.PreVote = true
	case VariantPreVoteCheckQuorum:
		cfg.PreVote, cfg.CheckQuorum = true, true
	case VariantEtcd:
		tick := cfg.HeartbeatInterval
		election := max(2, int(math.Round(float64(cfg.ElectionTimeoutMin)/float64(tick))))
		cfg.Ticks = &raft.Ticks{Tick: tick, HeartbeatTick: 1, ElectionTick: election}
		cfg.PreVote, cfg.CheckQuorum = true, true
		cfg.ElectionTimeoutMin = time.Duration(election) * tick
		cfg.ElectionTimeoutMax = time.Duration(2*election-1) * tick
	case VariantHashicorp:
		t := cfg.ElectionTimeoutMin
		cfg.Hashicorp = &raft.HashicorpTiming{HeartbeatTimeout: t, ElectionTimeout: t, LeaderLeaseTimeout: t / 2}
		// v1.8 pre-votes unless told not to, and refuses votes while it
		// knows a leader (its lease applies whatever CheckQuorum says).
		cfg.PreVote, cfg.LeaderStickiness = true, true
		cfg.HeartbeatInterval = t / 10
		cfg.ElectionTimeoutMax = 2 * t
	}
}

// VariantList is the -variant flag: one or more bundles, comma-separated;
// each is one setting of the sweep.
type VariantList []Variant

func (l *VariantList) Set(s string) error {
	var out VariantList
	for _, part := range strings.Split(s, ",") {
		v, err := ParseVariant(strings.TrimSpace(part))
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	*l = out
	return nil
}

func (l *VariantList) String() string {
	if l == nil {
		return ""
	}
	names := make([]string, len(*l))
	for i, v := range *l {
		names[i] = string(v)
	}
	return strings.Join(names, ",")
}
