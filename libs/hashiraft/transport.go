package hashiraft

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/latency"
)

// rpcTimeout bounds a call whose peer never answers; Consul's
// NetworkTransport uses 10s. A crashed peer fails a call sooner (below).
const rpcTimeout = 10 * time.Second

var (
	errCrashed  = errors.New("connection refused: node is down")
	errShutdown = raft.ErrTransportShutdown
)

// network joins the nodes' transports. Every RPC pays a one-way delay for
// the request and another for the response, each drawn from the latency
// distribution; hashicorp's InmemTransport has a timeout but no delay, so
// the harness has its own raft.Transport.
type network struct {
	board *failover.Board
	lat   latency.Dist
	mu    sync.Mutex
	rng   *rand.Rand
	nodes []*transport // by index; replaced when a node restarts
	trace *tracer      // nil: no timeline
}

func newNetwork(n int, lat latency.Dist, seed uint64, b *failover.Board, tr *tracer) *network {
	return &network{board: b, lat: lat, rng: rand.New(rand.NewPCG(seed, 0x68617368)), nodes: make([]*transport, n), trace: tr}
}

func (n *network) draw() time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.lat.Draw(n.rng)
}

func (n *network) node(i int) *transport {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.nodes[i]
}

func addr(i int) raft.ServerAddress { return raft.ServerAddress(fmt.Sprintf("n%d", i)) }

func index(a raft.ServerAddress) (int, error) {
	var i int
	if _, err := fmt.Sscanf(string(a), "n%d", &i); err != nil {
		return 0, fmt.Errorf("address %q: want nN", a)
	}
	return i, nil
}

// transport is one node's end: a raft.Transport with pre-vote, as hashicorp's
// NetworkTransport is, including its fast path for heartbeats.
type transport struct {
	net       *network
	idx       int
	consumer  chan raft.RPC
	closeOnce sync.Once
	closed    chan struct{}
	hbMu      sync.Mutex
	hbFn      func(raft.RPC)
}

func (n *network) newTransport(i int) *transport {
	t := &transport{net: n, idx: i, consumer: make(chan raft.RPC), closed: make(chan struct{})}
	n.mu.Lock()
	n.nodes[i] = t
	n.mu.Unlock()
	return t
}

var (
	_ raft.Transport   = (*transport)(nil)
	_ raft.WithPreVote = (*transport)(nil)
	_ raft.WithClose   = (*transport)(nil)
)

func (t *transport) Consumer() <-chan raft.RPC                               { return t.consumer }
func (t *transport) LocalAddr() raft.ServerAddress                           { return addr(t.idx) }
func (t *transport) EncodePeer(_ raft.ServerID, a raft.ServerAddress) []byte { return []byte(a) }
func (t *transport) DecodePeer(b []byte) raft.ServerAddress                  { return raft.ServerAddress(b) }

func (t *transport) SetHeartbeatHandler(cb func(raft.RPC)) {
	t.hbMu.Lock()
	t.hbFn = cb
	t.hbMu.Unlock()
}

// AppendEntriesPipeline is declined: raft then replicates with one
// AppendEntries at a time, which is all an idle cluster sends anyway.
func (t *transport) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (t *transport) AppendEntries(_ raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	return call(t, target, args, resp)
}

func (t *transport) RequestVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	return call(t, target, args, resp)
}

func (t *transport) RequestPreVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return call(t, target, args, resp)
}

func (t *transport) TimeoutNow(_ raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	return call(t, target, args, resp)
}

func (t *transport) InstallSnapshot(raft.ServerID, raft.ServerAddress, *raft.InstallSnapshotRequest, *raft.InstallSnapshotResponse, io.Reader) error {
	return errors.New("snapshots are not carried: the harness never takes one")
}

func (t *transport) Close() error {
	t.closeOnce.Do(func() { close(t.closed) })
	return nil
}

// sleep waits d unless the caller's transport closes first.
func (t *transport) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.closed:
		return false
	}
}

// call makes one RPC: the request travels one delay, the peer's raft
// handles it, the response travels another. A crashed node sends nothing; a
// call to a crashed node fails after a round trip, as a refused connection
// does when the process is gone.
func call[Resp any](t *transport, target raft.ServerAddress, args any, resp *Resp) error {
	err := deliver(t, target, args, resp)
	if to, ierr := index(target); ierr == nil {
		t.net.trace.answered(t.idx, to, args, resp, err)
	}
	return err
}

// deliver is call without the timeline.
func deliver[Resp any](t *transport, target raft.ServerAddress, args any, resp *Resp) error {
	b := t.net.board
	if !b.Alive(t.idx) {
		return errCrashed
	}
	to, err := index(target)
	if err != nil {
		return err
	}
	k := kind(args)
	b.Sent(k, t.idx, time.Now())
	if !t.sleep(t.net.draw()) {
		return errShutdown
	}
	dst := t.net.node(to)
	if dst == nil || !b.Alive(to) {
		t.sleep(t.net.draw())
		return errCrashed
	}
	respCh := make(chan raft.RPCResponse, 1)
	rpc := raft.RPC{Command: args, RespChan: respCh}
	timeout := time.NewTimer(rpcTimeout)
	defer timeout.Stop()
	t.net.trace.delivered(t.idx, to, args)
	dst.hbMu.Lock()
	hb := dst.hbFn
	dst.hbMu.Unlock()
	if k == failover.Heartbeat && hb != nil {
		hb(rpc) // NetworkTransport's fast path: handled beside the main loop
	} else {
		select {
		case dst.consumer <- rpc:
		case <-dst.closed:
			return errCrashed
		case <-t.closed:
			return errShutdown
		case <-timeout.C:
			return errors.New("send timed out")
		}
	}
	var r raft.RPCResponse
	select {
	case r = <-respCh:
	case <-dst.closed:
		return errCrashed
	case <-t.closed:
		return errShutdown
	case <-timeout.C:
		return errors.New("command timed out")
	}
	if !b.Alive(to) {
		return errCrashed // it crashed before its answer left
	}
	b.Sent(k.Response(), to, time.Now())
	if !t.sleep(t.net.draw()) {
		return errShutdown
	}
	if r.Error != nil {
		return r.Error
	}
	out, ok := r.Response.(*Resp)
	if !ok {
		return fmt.Errorf("response %T to %T", r.Response, args)
	}
	*resp = *out
	return nil
}

// kind classifies a request as NetworkTransport does: a heartbeat is an
// AppendEntries with no log position, no entries and no commit index (what
// raft's heartbeat loop sends); any other AppendEntries, even an empty one
// from the replication loop, is an append.
func kind(args any) failover.Kind {
	switch a := args.(type) {
	case *raft.AppendEntriesRequest:
		if a.Term != 0 && (len(a.Addr) > 0 || len(a.Leader) > 0) && a.PrevLogEntry == 0 &&
			a.PrevLogTerm == 0 && len(a.Entries) == 0 && a.LeaderCommitIndex == 0 {
			return failover.Heartbeat
		}
		return failover.Append
	case *raft.RequestVoteRequest:
		return failover.Vote
	case *raft.RequestPreVoteRequest:
		return failover.PreVote
	}
	return failover.Other
}
