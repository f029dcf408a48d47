// Package hashiraft runs github.com/hashicorp/raft nodes in one process for
// the failover harness: raft.NewRaft with InmemStore and InmemSnapshotStore,
// joined by a transport that delays every request and response.
package hashiraft

import (
	"fmt"
	"io"
	"time"

	"github.com/hashicorp/raft"

	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/latency"
)

// Config is a hashicorp cluster's settings: the three timeouts Consul and
// Nomad expose, and the library's defaults for everything else.
type Config struct {
	Nodes              int
	HeartbeatTimeout   time.Duration // default 1s; the leader heartbeats every [1/10, 2/10) of it
	ElectionTimeout    time.Duration // default 1s
	LeaderLeaseTimeout time.Duration // default 500ms
	PreVoteDisabled    bool          // pre-vote is on by default since v1.7 when the transport offers it
	Latency            latency.Dist
	Seed               uint64
	// Trace, if set, receives a timeline of every trial: state changes,
	// leaders, votes and pre-votes, AppendEntries deliveries, crashes.
	Trace io.Writer
}

// Cluster is the hashicorp cluster; it implements failover.Cluster.
type Cluster struct {
	cfg    Config
	board  *failover.Board
	net    *network
	stores []stores
	nodes  []*raft.Raft
}

// stores are what a node persists, kept across a crash as a disk would be.
type stores struct {
	logs   *raft.InmemStore
	snaps  *raft.InmemSnapshotStore
	stable *raft.InmemStore
}

// New makes a cluster whose nodes report to b.
func New(cfg Config, b *failover.Board) (*Cluster, error) {
	if cfg.Nodes < 1 {
		return nil, fmt.Errorf("nodes %d: want at least 1", cfg.Nodes)
	}
	if cfg.Latency == nil {
		return nil, fmt.Errorf("latency: none given")
	}
	c := &Cluster{cfg: cfg, board: b, net: newNetwork(cfg.Nodes, cfg.Latency, cfg.Seed, b, newTracer(cfg.Trace)),
		stores: make([]stores, cfg.Nodes), nodes: make([]*raft.Raft, cfg.Nodes)}
	// Validate the timeouts with the library's own rules before anything starts.
	if err := raft.ValidateConfig(c.raftConfig(0)); err != nil {
		return nil, fmt.Errorf("hashicorp raft config: %w", err)
	}
	return c, nil
}

func (c *Cluster) raftConfig(i int) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(addr(i))
	rc.HeartbeatTimeout = c.cfg.HeartbeatTimeout
	rc.ElectionTimeout = c.cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = c.cfg.LeaderLeaseTimeout
	rc.PreVoteDisabled = c.cfg.PreVoteDisabled
	rc.LogOutput = io.Discard
	return rc
}

// Start bootstraps every node with the same membership and boots it.
func (c *Cluster) Start() error {
	var servers []raft.Server
	for i := range c.nodes {
		servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(addr(i)), Address: addr(i)})
	}
	for i := range c.nodes {
		s := stores{logs: raft.NewInmemStore(), snaps: raft.NewInmemSnapshotStore(), stable: raft.NewInmemStore()}
		c.stores[i] = s
		t := c.net.newTransport(i)
		if err := raft.BootstrapCluster(c.raftConfig(i), s.logs, s.stable, s.snaps, t, raft.Configuration{Servers: servers}); err != nil {
			return fmt.Errorf("node %d: bootstrap: %w", i, err)
		}
		if err := c.boot(i, t); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) boot(i int, t *transport) error {
	s := c.stores[i]
	r, err := raft.NewRaft(c.raftConfig(i), nopFSM{}, s.logs, s.stable, s.snaps, t)
	if err != nil {
		return fmt.Errorf("node %d: %w", i, err)
	}
	// The filter runs synchronously inside raft's setLeader, so the board
	// gets the moment the node learns of a leader, not when a reader of an
	// observation channel gets round to it.
	r.RegisterObserver(raft.NewObserver(nil, false, func(o *raft.Observation) bool {
		c.net.trace.observed(i, o)
		if lo, ok := o.Data.(raft.LeaderObservation); ok {
			lead := failover.None
			if lo.LeaderID != "" {
				if j, err := index(raft.ServerAddress(lo.LeaderID)); err == nil {
					lead = j
				}
			}
			c.board.Leader(i, lead, time.Now())
		}
		return false
	}))
	c.nodes[i] = r
	return nil
}

// Crash stops node i: the board marks it dead first, so its transport sends
// and accepts nothing from that instant; then raft shuts down.
func (c *Cluster) Crash(i int) {
	c.net.trace.logf(-1, "crash n%d", i)
	c.board.SetAlive(i, false)
	// Closing the transport ourselves fails at once the calls that wait on
	// this node, rather than relying on Shutdown to close it.
	_ = c.net.node(i).Close()
	_ = c.nodes[i].Shutdown().Error() // the transport refuses everything, so this is quick
	c.nodes[i] = nil
}

// Restart brings node i back on its stores with a fresh transport, as a
// restarted Consul server reopens its raft.db.
func (c *Cluster) Restart(i int) error {
	c.net.trace.logf(-1, "restart n%d", i)
	c.board.SetAlive(i, true)
	return c.boot(i, c.net.newTransport(i))
}

// Reboot shuts every node down and boots a new cluster on empty stores,
// its nodes' timers all starting now, as a cluster first started.
func (c *Cluster) Reboot() error {
	c.net.trace.logf(-1, "reboot")
	c.Close()
	for i := range c.nodes {
		c.board.SetAlive(i, true)
	}
	return c.Start()
}

// Close shuts every node down.
func (c *Cluster) Close() {
	for i, r := range c.nodes {
		if r != nil {
			c.board.SetAlive(i, false)
			_ = r.Shutdown().Error()
			c.nodes[i] = nil
		}
	}
}
