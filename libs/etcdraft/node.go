package etcdraft

import (
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/raftbench/raftbench/libs/failover"
)

// node is one RawNode and the loop that drives it, the loop etcd's server
// runs around raft.Node: tick on a real ticker, step incoming messages, and
// after each, persist what Ready asks, send its messages, Advance.
type node struct {
	idx   int
	rn    *raft.RawNode
	st    *raft.MemoryStorage
	net   *net
	board *failover.Board
	inbox chan *pb.Message
	quit  chan struct{}
	done  chan struct{}
}

func newNode(idx int, cfg *raft.Config, tick time.Duration, n *net, b *failover.Board) (*node, error) {
	rn, err := raft.NewRawNode(cfg)
	if err != nil {
		return nil, err
	}
	nd := &node{idx: idx, rn: rn, st: cfg.Storage.(*raft.MemoryStorage), net: n, board: b,
		inbox: make(chan *pb.Message, 1024), quit: make(chan struct{}), done: make(chan struct{})}
	n.attach(idx, nd.inbox)
	go nd.run(tick)
	return nd, nil
}

func (n *node) run(tick time.Duration) {
	defer close(n.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-n.quit:
			return
		case <-t.C:
			n.rn.Tick()
		case m := <-n.inbox:
			_ = n.rn.Step(m) // errors are for local messages and unknown peers: neither is sent here
		}
		n.ready()
	}
}

// ready handles every pending Ready: the soft state goes to the board with
// the time it is seen (before the messages it causes are sent), the hard
// state and entries to storage before the messages, as raft requires.
func (n *node) ready() {
	for n.rn.HasReady() {
		rd := n.rn.Ready()
		if rd.SoftState != nil {
			lead := failover.None
			if rd.SoftState.Lead != raft.None {
				lead = int(rd.SoftState.Lead) - 1
			}
			n.board.Leader(n.idx, lead, time.Now())
		}
		if rd.HardState != nil && !raft.IsEmptyHardState(rd.HardState) {
			_ = n.st.SetHardState(rd.HardState) // MemoryStorage never fails this
		}
		if rd.Snapshot != nil && !raft.IsEmptySnap(rd.Snapshot) {
			_ = n.st.ApplySnapshot(rd.Snapshot)
		}
		_ = n.st.Append(rd.Entries)
		for _, m := range rd.Messages {
			n.net.send(n.idx, m)
		}
		n.rn.Advance(rd)
	}
}

// stop ends the loop and waits for it, so nothing more is sent.
func (n *node) stop() {
	close(n.quit)
	<-n.done
}
