// Package failover is the experiment both libraries run: wait for a stable
// leader, crash it at a random point of its heartbeat interval, time how long
// the survivors take to elect and all hear a new one, restore the node, and
// repeat; plus the message rates of a fault-free window. The library
// adapters (etcdraft, hashiraft) only report what their nodes do to a Board;
// every timing rule lives here so both are measured alike.
package failover

import (
	"sync"
	"sync/atomic"
	"time"
)

// None is the leader a node reports when it knows of none.
const None = -1

// Kind is a message's kind, counted for the rates.
type Kind int

const (
	Heartbeat Kind = iota // a leader's empty AppendEntries (etcd: MsgHeartbeat)
	HeartbeatResp
	Append // AppendEntries carrying entries or a probe (etcd: MsgApp)
	AppendResp
	Vote
	VoteResp
	PreVote
	PreVoteResp
	Other
	numKinds
)

var kindNames = [numKinds]string{"heartbeat", "heartbeat_resp", "append", "append_resp",
	"vote", "vote_resp", "prevote", "prevote_resp", "other"}

func (k Kind) String() string { return kindNames[k] }

// Response is the kind of the answer to a request of kind k.
func (k Kind) Response() Kind {
	switch k {
	case Heartbeat, Append, Vote, PreVote:
		return k + 1
	}
	return Other
}

type nodeState struct {
	alive  bool
	leader int       // whom the node believes leads, or None
	since  time.Time // when it came to believe it
}

// Board is what the harness knows of the cluster: which node is alive, whom
// each believes to be leader and since when, as the nodes report it at the
// moment it happens (so a slow reader of the board does not shift a time),
// and the messages sent.
type Board struct {
	mu          sync.Mutex
	nodes       []nodeState
	firstLeader time.Time // earliest self-report as leader since ResetFirstLeader
	wake        chan struct{}
	hbWait      map[int][]chan time.Time // heartbeat waiters by sender
	counts      [numKinds]atomic.Int64
}

// NewBoard makes a board for n nodes, all alive and knowing no leader.
func NewBoard(n int) *Board {
	b := &Board{nodes: make([]nodeState, n), wake: make(chan struct{}), hbWait: map[int][]chan time.Time{}}
	for i := range b.nodes {
		b.nodes[i] = nodeState{alive: true, leader: None}
	}
	return b
}

// changedLocked wakes whoever waits for the board to change.
func (b *Board) changedLocked() {
	close(b.wake)
	b.wake = make(chan struct{})
}

// Leader records that node came to believe leader leads (None: no one) at at.
// A node reporting itself is the leader.
func (b *Board) Leader(node, leader int, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &b.nodes[node]
	if !s.alive || s.leader == leader {
		return
	}
	s.leader, s.since = leader, at
	if leader == node && (b.firstLeader.IsZero() || at.Before(b.firstLeader)) {
		b.firstLeader = at
	}
	b.changedLocked()
}

// SetAlive marks a node crashed or restored. A crashed node's beliefs are
// forgotten: a restored node starts knowing no leader, as a rebooted process.
func (b *Board) SetAlive(node int, alive bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nodes[node] = nodeState{alive: alive, leader: None}
	b.changedLocked()
}

// Alive says whether node is up; transports drop what a crashed node would
// send or receive.
func (b *Board) Alive(node int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nodes[node].alive
}

// Sent counts a message from node from. A heartbeat also wakes whoever waits
// for that node's next heartbeat.
func (b *Board) Sent(k Kind, from int, at time.Time) {
	b.counts[k].Add(1)
	if k != Heartbeat {
		return
	}
	b.mu.Lock()
	ws := b.hbWait[from]
	delete(b.hbWait, from)
	b.mu.Unlock()
	for _, w := range ws {
		w <- at
	}
}

// NextHeartbeat returns a channel that receives the send time of node's next
// heartbeat.
func (b *Board) NextHeartbeat(node int) <-chan time.Time {
	c := make(chan time.Time, 1)
	b.mu.Lock()
	b.hbWait[node] = append(b.hbWait[node], c)
	b.mu.Unlock()
	return c
}

// Counts returns the messages sent so far, by kind.
func (b *Board) Counts() [numKinds]int64 {
	var c [numKinds]int64
	for i := range c {
		c[i] = b.counts[i].Load()
	}
	return c
}

// view is a consistent copy of the board and the channel closed at its next change.
type view struct {
	nodes       []nodeState
	firstLeader time.Time
	changed     <-chan struct{}
}

func (b *Board) view() view {
	b.mu.Lock()
	defer b.mu.Unlock()
	return view{nodes: append([]nodeState(nil), b.nodes...), firstLeader: b.firstLeader, changed: b.wake}
}

// resetFirstLeader starts looking for the first leader anew (at a crash).
func (b *Board) resetFirstLeader() {
	b.mu.Lock()
	b.firstLeader = time.Time{}
	b.mu.Unlock()
}

// agreed returns the leader every live node believes in, provided it is alive
// and believes it itself, and the latest time any of them came to believe it;
// ok is false while they disagree.
func (v view) agreed() (leader int, at time.Time, ok bool) {
	leader = None
	for _, s := range v.nodes {
		if !s.alive {
			continue
		}
		if s.leader == None || (leader != None && s.leader != leader) {
			return None, time.Time{}, false
		}
		leader = s.leader
		if s.since.After(at) {
			at = s.since
		}
	}
	if leader == None || !v.nodes[leader].alive || v.nodes[leader].leader != leader {
		return None, time.Time{}, false
	}
	return leader, at, true
}
