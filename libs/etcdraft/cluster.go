// Package etcdraft runs go.etcd.io/raft/v3 nodes in one process for the
// failover harness: each node is a RawNode driven by a real ticker, as etcd's
// server drives raft.Node, with MemoryStorage and an in-memory network that
// delays every message.
package etcdraft

import (
	"fmt"
	"io"
	"log"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/latency"
)

// Config is an etcd cluster's settings. etcd's server maps its flags the
// same way: --heartbeat-interval is the tick, HeartbeatTick is 1, and
// ElectionTick is --election-timeout / --heartbeat-interval.
type Config struct {
	Nodes        int
	Tick         time.Duration // the heartbeat interval (etcd default 100ms)
	ElectionTick int           // election timeout in ticks (etcd default 10)
	PreVote      bool          // etcd server: --pre-vote, true by default since v3.5
	CheckQuorum  bool          // etcd server: always true
	Latency      latency.Dist
	Seed         uint64
}

// Validate says which field is wrong and what it accepts.
func (c Config) Validate() error {
	switch {
	case c.Nodes < 1:
		return fmt.Errorf("nodes %d: want at least 1", c.Nodes)
	case c.Tick <= 0:
		return fmt.Errorf("tick %v: want a positive duration", c.Tick)
	case c.ElectionTick < 2:
		return fmt.Errorf("election tick %d: want at least 2 (etcd requires ElectionTick > HeartbeatTick = 1)", c.ElectionTick)
	case c.Latency == nil:
		return fmt.Errorf("latency: none given")
	}
	return nil
}

// Cluster is the etcd cluster; it implements failover.Cluster.
type Cluster struct {
	cfg     Config
	board   *failover.Board
	net     *net
	storage []*raft.MemoryStorage // survives a crash: what the node had persisted
	nodes   []*node
}

// discard silences raft's logging, which would otherwise report every election.
var discard = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

// New makes a cluster whose nodes report to b.
func New(cfg Config, b *failover.Board) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, board: b, net: newNet(cfg.Nodes, cfg.Latency, cfg.Seed, b),
		storage: make([]*raft.MemoryStorage, cfg.Nodes), nodes: make([]*node, cfg.Nodes)}
	voters := make([]uint64, cfg.Nodes)
	for i := range voters {
		voters[i] = uint64(i + 1) // raft reserves ID 0 for "none"
	}
	for i := range c.storage {
		// Every node starts from the same snapshot holding the membership,
		// as etcd's own tests do, so there is no bootstrap log to replicate
		// and a restarted node reads its peers back from storage.
		st := raft.NewMemoryStorage()
		snap := &pb.Snapshot{Metadata: &pb.SnapshotMetadata{
			ConfState: &pb.ConfState{Voters: voters}, Index: new(uint64(1)), Term: new(uint64(1))}}
		if err := st.ApplySnapshot(snap); err != nil {
			return nil, err
		}
		c.storage[i] = st
	}
	return c, nil
}

func (c *Cluster) raftConfig(i int) *raft.Config {
	return &raft.Config{
		ID:              uint64(i + 1),
		ElectionTick:    c.cfg.ElectionTick,
		HeartbeatTick:   1,
		Storage:         c.storage[i],
		MaxSizePerMsg:   1 << 20,  // etcd server's maxSizePerMsg; nothing large is sent here
		MaxInflightMsgs: 4096 / 8, // etcd server's maxInflightMsgs
		PreVote:         c.cfg.PreVote,
		CheckQuorum:     c.cfg.CheckQuorum,
		Logger:          discard,
	}
}

// Start boots every node.
func (c *Cluster) Start() error {
	for i := range c.nodes {
		if err := c.start(i); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) start(i int) error {
	n, err := newNode(i, c.raftConfig(i), c.cfg.Tick, c.net, c.board)
	if err != nil {
		return fmt.Errorf("node %d: %w", i, err)
	}
	c.nodes[i] = n
	return nil
}

// Crash stops node i: the board marks it dead first, so the network drops
// whatever would reach it, then its loop stops.
func (c *Cluster) Crash(i int) {
	c.board.SetAlive(i, false)
	c.nodes[i].stop()
	c.nodes[i] = nil
}

// Restart brings node i back on the storage it had, as etcd restarts a
// member from its WAL.
func (c *Cluster) Restart(i int) error {
	c.board.SetAlive(i, true)
	return c.start(i)
}

// Close stops every node and the network.
func (c *Cluster) Close() {
	for i, n := range c.nodes {
		if n != nil {
			n.stop()
			c.nodes[i] = nil
		}
	}
	c.net.close()
}
