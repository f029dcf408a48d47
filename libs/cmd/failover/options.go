package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/raftbench/raftbench/libs/etcdraft"
	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/hashiraft"
	"github.com/raftbench/raftbench/libs/latency"
)

type options struct {
	lib      string
	nodes    int
	latency  string
	trials   int
	seed     uint64
	settle   time.Duration
	limit    time.Duration
	window   time.Duration
	json     string
	trace    string
	quiet    bool
	fresh    bool
	prevote  bool
	election time.Duration
	// etcd
	heartbeat   time.Duration
	checkQuorum bool
	// hashicorp
	hbTimeout    time.Duration
	leaseTimeout time.Duration
}

func declare(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.lib, "lib", "etcd", "library: etcd (go.etcd.io/raft/v3) or hashicorp (github.com/hashicorp/raft)")
	fs.IntVar(&o.nodes, "nodes", 5, "cluster size")
	fs.StringVar(&o.latency, "latency", "5ms", "one-way delay of every message: "+latency.Forms)
	fs.IntVar(&o.trials, "trials", 20, "failovers to measure")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the crash points and latency draws (the libraries' own timers are not seeded)")
	fs.DurationVar(&o.settle, "settle", 0, "how long every node must agree on a leader before a crash (0: 5 heartbeat intervals)")
	fs.DurationVar(&o.limit, "limit", time.Minute, "longest a failover may take before it counts as not converged")
	fs.DurationVar(&o.window, "rate-window", 10*time.Second, "fault-free window over which messages are counted (0: skip)")
	fs.StringVar(&o.json, "json", "", "write the JSON report to this file")
	fs.StringVar(&o.trace, "trace", "", "hashicorp: write a timeline of every node's state changes, leaders, votes, pre-votes and AppendEntries to this file (- for stderr)")
	fs.BoolVar(&o.fresh, "fresh", false, "hashicorp: boot a new cluster for each trial and crash its first leader once every node follows it (raftbench's leader-crash), instead of crashing leader after leader of one cluster, -settle apart")
	fs.BoolVar(&o.quiet, "q", false, "no per-trial progress on stderr")
	fs.BoolVar(&o.prevote, "prevote", true, "pre-vote (etcd: Config.PreVote, on in etcd's server; hashicorp: on unless Config.PreVoteDisabled)")
	fs.DurationVar(&o.election, "election-timeout", 0, "election timeout (0: the library's default; etcd 1s, hashicorp 1s)")
	fs.DurationVar(&o.heartbeat, "heartbeat", 100*time.Millisecond, "etcd: the tick, = --heartbeat-interval; HeartbeatTick is 1")
	fs.BoolVar(&o.checkQuorum, "checkquorum", true, "etcd: Config.CheckQuorum (always on in etcd's server)")
	fs.DurationVar(&o.hbTimeout, "heartbeat-timeout", time.Second, "hashicorp: Config.HeartbeatTimeout")
	fs.DurationVar(&o.leaseTimeout, "lease-timeout", 500*time.Millisecond, "hashicorp: Config.LeaderLeaseTimeout")
	return o
}

// setup is a built experiment.
type setup struct {
	library  string
	latency  string
	settings map[string]string
	board    *failover.Board
	cluster  failover.Cluster
	plan     failover.Plan
	closers  []io.Closer // files to close when the run ends
}

func (o *options) build() (*setup, error) {
	lat, err := latency.Parse(o.latency)
	if err != nil {
		return nil, err
	}
	if o.trials < 0 {
		return nil, fmt.Errorf("-trials %d: want 0 or more", o.trials)
	}
	if o.lib != "hashicorp" && (o.fresh || o.trace != "") {
		return nil, fmt.Errorf("-fresh and -trace: hashicorp only")
	}
	s := &setup{latency: lat.String(), board: failover.NewBoard(o.nodes)}
	s.plan = failover.Plan{Trials: o.trials, Settle: o.settle, Limit: o.limit, RateWindow: o.window, Seed: o.seed, Fresh: o.fresh}
	switch o.lib {
	case "etcd":
		election := o.election
		if election == 0 {
			election = time.Second
		}
		if election%o.heartbeat != 0 {
			return nil, fmt.Errorf("-election-timeout %v: want a multiple of -heartbeat %v (etcd counts it in ticks)", election, o.heartbeat)
		}
		cfg := etcdraft.Config{Nodes: o.nodes, Tick: o.heartbeat, ElectionTick: int(election / o.heartbeat),
			PreVote: o.prevote, CheckQuorum: o.checkQuorum, Latency: lat, Seed: o.seed}
		c, err := etcdraft.New(cfg, s.board)
		if err != nil {
			return nil, err
		}
		s.library, s.cluster = version("go.etcd.io/raft/v3"), c
		s.plan.Heartbeat = o.heartbeat
		s.settings = map[string]string{
			"tick": o.heartbeat.String(), "heartbeat_tick": "1", "election_tick": strconv.Itoa(cfg.ElectionTick),
			"prevote": strconv.FormatBool(o.prevote), "checkquorum": strconv.FormatBool(o.checkQuorum),
			"storage": "MemoryStorage", "driver": "RawNode, real ticker",
		}
	case "hashicorp":
		election := o.election
		if election == 0 {
			election = time.Second
		}
		cfg := hashiraft.Config{Nodes: o.nodes, HeartbeatTimeout: o.hbTimeout, ElectionTimeout: election,
			LeaderLeaseTimeout: o.leaseTimeout, PreVoteDisabled: !o.prevote, Latency: lat, Seed: o.seed}
		switch o.trace {
		case "":
		case "-":
			cfg.Trace = os.Stderr
		default:
			f, err := os.Create(o.trace)
			if err != nil {
				return nil, err
			}
			s.closers = append(s.closers, f)
			cfg.Trace = f
		}
		c, err := hashiraft.New(cfg, s.board)
		if err != nil {
			return nil, err
		}
		s.library, s.cluster = version("github.com/hashicorp/raft"), c
		// raft's heartbeat loop sends every [HeartbeatTimeout/10, 2·HeartbeatTimeout/10).
		s.plan.Heartbeat = o.hbTimeout / 10
		s.settings = map[string]string{
			"heartbeat_timeout": o.hbTimeout.String(), "election_timeout": election.String(),
			"leader_lease_timeout": o.leaseTimeout.String(), "prevote": strconv.FormatBool(o.prevote),
			"commit_timeout": "50ms (default)", "stores": "InmemStore, InmemSnapshotStore",
			"fresh": strconv.FormatBool(o.fresh),
		}
	default:
		return nil, fmt.Errorf("-lib %q: want etcd or hashicorp", o.lib)
	}
	if s.plan.Settle == 0 {
		s.plan.Settle = 5 * s.plan.Heartbeat
	}
	return s, nil
}

// version names a module as this binary was built with it.
func version(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Path + " " + d.Version
			}
		}
	}
	return path
}
