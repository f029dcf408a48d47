package etcdraft

import (
	"math/rand/v2"
	"sync"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/latency"
)

// net carries raftpb messages between nodes, each after a one-way delay drawn
// from the latency distribution. Each directed link keeps FIFO order, as the
// TCP streams of etcd's rafthttp do: a message never overtakes an earlier one
// on its link, so with a varying delay it arrives at max(its draw, the
// previous arrival).
type net struct {
	board *failover.Board
	mu    sync.Mutex
	rng   *rand.Rand
	lat   latency.Dist
	links map[[2]int]chan envelope
	inbox []chan *pb.Message // by node; swapped when a node restarts
	done  chan struct{}
	wg    sync.WaitGroup
}

type envelope struct {
	at time.Time
	m  *pb.Message
}

func newNet(n int, lat latency.Dist, seed uint64, b *failover.Board) *net {
	return &net{board: b, rng: rand.New(rand.NewPCG(seed, 0x6e6574)), lat: lat,
		links: map[[2]int]chan envelope{}, inbox: make([]chan *pb.Message, n), done: make(chan struct{})}
}

// attach makes inbox the destination of node i's messages.
func (n *net) attach(i int, inbox chan *pb.Message) {
	n.mu.Lock()
	n.inbox[i] = inbox
	n.mu.Unlock()
}

// send puts m on the wire from node from (0-based).
func (n *net) send(from int, m *pb.Message) {
	if !n.board.Alive(from) {
		return // crashed between the board's mark and its loop's stop
	}
	now := time.Now()
	n.board.Sent(kind(m.GetType()), from, now)
	to := int(m.GetTo()) - 1
	n.mu.Lock()
	d := n.lat.Draw(n.rng)
	key := [2]int{from, to}
	link, ok := n.links[key]
	if !ok {
		link = make(chan envelope, 4096)
		n.links[key] = link
		n.wg.Add(1)
		go n.carry(to, link)
	}
	n.mu.Unlock()
	select {
	case link <- envelope{now.Add(d), m}:
	default: // a link this far behind is broken; drop, as a full rafthttp buffer does
	}
}

// carry delivers one link's messages in order, each no earlier than its time.
func (n *net) carry(to int, link chan envelope) {
	defer n.wg.Done()
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case e := <-link:
			if wait := time.Until(e.at); wait > 0 {
				t.Reset(wait)
				select {
				case <-t.C:
				case <-n.done:
					return
				}
			}
			if !n.board.Alive(to) {
				continue // a crashed node receives nothing
			}
			n.mu.Lock()
			inbox := n.inbox[to]
			n.mu.Unlock()
			select {
			case inbox <- e.m:
			case <-n.done:
				return
			}
		case <-n.done:
			return
		}
	}
}

func (n *net) close() {
	close(n.done)
	n.wg.Wait()
}

// kind classifies an etcd message for the rates.
func kind(t pb.MessageType) failover.Kind {
	switch t {
	case pb.MessageType_MsgHeartbeat:
		return failover.Heartbeat
	case pb.MessageType_MsgHeartbeatResp:
		return failover.HeartbeatResp
	case pb.MessageType_MsgApp:
		return failover.Append
	case pb.MessageType_MsgAppResp:
		return failover.AppendResp
	case pb.MessageType_MsgVote:
		return failover.Vote
	case pb.MessageType_MsgVoteResp:
		return failover.VoteResp
	case pb.MessageType_MsgPreVote:
		return failover.PreVote
	case pb.MessageType_MsgPreVoteResp:
		return failover.PreVoteResp
	}
	return failover.Other
}
