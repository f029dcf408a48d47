package bench

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/raftbench/raftbench/live"
	"github.com/raftbench/raftbench/sim"
)

// Cluster is what a scenario drives: a simulated cluster (sim.Cluster, in
// virtual or real time) or peer processes (live.Cluster). The scenarios are
// written once against it.
type Cluster interface {
	Now() time.Duration
	RunFor(d time.Duration)
	RunUntil(d time.Duration, stop func(sim.Event) bool) bool
	State(i int) (term int, isLeader bool)
	Leader() (id int, ok bool)
	Alive(i int) bool
	Crash(i int) error
	Restart(i int) error
	Partition(groups ...[]int) error
	Heal()
	CutLink(from, to int) error
	Stats() sim.Stats
	Events() []sim.Event
	Err() error
	Cancel()
	Stop()
}

// Processes says how a -runtime process run starts its peers.
type Processes struct {
	// Command starts one peer: raftbench's executable and "peer" (the
	// peer's id, address and data directory are added).
	Command []string
	// DataRoot is where peers keep their term and vote: each trial's in a
	// folder of its own, removed when the trial ends. Its disk is the one
	// whose fsync the trial pays.
	DataRoot string
	// Agents, if any, run the peers instead (raftbench agent, host:port
	// each; peer i on agent i mod len): DataRoot's last element then names
	// the run's folder under each agent's own data root.
	Agents []string
	// LinkHost is the address the driver's link proxies listen on, which
	// every agent's host must reach (empty: 127.0.0.1).
	LinkHost string
}

// newCluster builds the cluster a trial runs on, and what to do once it is
// stopped.
func (t Trial) newCluster(cfg sim.Config) (Cluster, func(), error) {
	if t.Options.Runtime != sim.Process {
		c, err := sim.NewCluster(cfg)
		return c, func() {}, err
	}
	p := t.Options.Processes
	if p == nil || len(p.Command) == 0 {
		return nil, nil, fmt.Errorf("runtime process: no peer command given")
	}
	trial := fmt.Sprintf("trial-%d-%d", t.Point, t.Index)
	var launcher live.Launcher
	var cleanup func()
	if len(p.Agents) > 0 {
		al, err := live.NewAgentLauncher(context.Background(), p.Agents, path.Join(filepath.Base(p.DataRoot), trial))
		if err != nil {
			return nil, nil, err
		}
		launcher, cleanup = al, func() { al.Close() }
	} else {
		root := filepath.Join(p.DataRoot, trial)
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, nil, fmt.Errorf("%w: peers' data: %v", live.ErrSetup, err)
		}
		launcher, cleanup = &live.LocalLauncher{Command: p.Command, DataRoot: root}, func() { os.RemoveAll(root) }
	}
	lc := live.Config{
		Nodes: cfg.Nodes, Seed: cfg.Seed, Raft: cfg.Raft, Network: cfg.Network,
		LastLog: cfg.LastLog, BootDelays: cfg.BootDelays, Record: cfg.Record, OnEvent: cfg.OnEvent,
		Launcher: launcher, LinkHost: p.LinkHost,
	}
	if t.Trace != nil && t.Trace.PeerEndpoint != "" && cfg.Tracing != nil {
		lc.Trace = &live.Trace{Endpoint: t.Trace.PeerEndpoint, Protocol: t.Trace.PeerProtocol, Parent: cfg.Tracing.Context}
	}
	c, err := live.NewCluster(lc)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return c, cleanup, nil
}
