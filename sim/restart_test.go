package sim

import (
	"context"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim/vtime"
)

func TestRestartReloadsPersistedState(t *testing.T) {
	c, err := NewCluster(Config{Nodes: 3, Seed: 9, Raft: labRaft, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	c.RunFor(time.Second)
	leader, ok := c.Leader()
	if !ok {
		t.Fatal("no leader")
	}
	before, _ := c.State(leader)
	must(t, c.Crash(leader))
	if c.Alive(leader) {
		t.Fatal("crashed peer reports alive")
	}
	if term, lead := c.State(leader); term != before || lead {
		t.Fatalf("crashed peer's disk says term %d, leader %v; want %d, false", term, lead, before)
	}
	c.RunFor(time.Second)
	newLeader, ok := c.Leader()
	if !ok || newLeader == leader {
		t.Fatalf("no new leader after the crash (got %d, %v)", newLeader, ok)
	}
	// That the restarted peer comes back in its persisted term, with its
	// vote, is shown event by event in testdata/transcripts/restart.txt and
	// leader-crash.txt.
	must(t, c.Restart(leader))
	c.RunFor(time.Second)
	if _, lead := c.State(leader); lead {
		t.Fatal("restarted old leader leads again although a newer leader is running")
	}
	newTerm, _ := c.State(newLeader)
	if term, _ := c.State(leader); term != newTerm {
		t.Fatalf("restarted peer is at term %d, the cluster at %d", term, newTerm)
	}
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestRestartErrors(t *testing.T) {
	c, err := NewCluster(Config{Nodes: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if c.Restart(0) == nil {
		t.Error("Restart before Start succeeded")
	}
	c.Start()
	if c.Restart(0) == nil {
		t.Error("Restart of a running peer succeeded")
	}
	if c.Crash(3) == nil || c.Disconnect(-1) == nil || c.Partition([]int{0}, []int{0}) == nil {
		t.Error("bad peer numbers were accepted")
	}
	must(t, c.Crash(0))
	if c.Crash(0) == nil {
		t.Error("crashing a crashed peer succeeded")
	}
}

func TestStaleLogCannotWin(t *testing.T) {
	// Peers 0 and 1 hold logs from term 1; peers 2..4 from term 2. Only
	// 2..4 can collect a majority, however often 0 and 1 time out first.
	last := []raft.LogPosition{{Index: 5, Term: 1}, {Index: 9, Term: 1}, {Index: 3, Term: 2}, {Index: 3, Term: 2}, {Index: 4, Term: 2}}
	for seed := range uint64(20) {
		c, err := NewCluster(Config{Nodes: 5, Seed: seed, LastLog: last, Record: true,
			Network: Network{Latency: Constant{2 * time.Millisecond}}})
		if err != nil {
			t.Fatal(err)
		}
		c.RunFor(3 * time.Second)
		for _, e := range c.Events() {
			if e.Kind == StateChange && e.Role == raft.Leader && e.Peer < 2 {
				t.Fatalf("seed %d: stale peer %d won term %d", seed, e.Peer, e.Term)
			}
		}
		if _, ok := c.Leader(); !ok {
			t.Fatalf("seed %d: no leader", seed)
		}
		c.Stop()
	}
}

// A request slower than the RPC timeout: the call fails at the timeout, and
// the request still reaches its target at its arrival time.
func TestRequestSlowerThanRPCTimeout(t *testing.T) {
	ms := time.Millisecond
	c, err := NewCluster(Config{Nodes: 3, Record: true,
		Raft:    raft.Config{HeartbeatInterval: time.Second, ElectionTimeoutMin: 10 * time.Second, ElectionTimeoutMax: 10 * time.Second},
		Network: Network{Latency: Constant{100 * ms}, RPCTimeout: 50 * ms}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	c.Start()
	s := c.eng.(*vtime.Scheduler)
	var ok bool
	var returned time.Duration
	s.Go(func() {
		ep := &endpoint{n: c.net, inc: c.peers[0]}
		reply := &raft.RequestVoteReply{}
		ok = ep.RequestVote(context.Background(), 0, 1, &raft.RequestVoteArgs{Term: 5, CandidateId: 0}, reply)
		returned = s.Now()
	})
	c.RunFor(300 * ms)
	if ok || returned != 50*ms {
		t.Fatalf("call returned %v at %v; want false at the 50ms timeout", ok, returned)
	}
	var voted time.Duration = -1
	for _, e := range c.Events() {
		if e.Kind == Vote && e.Peer == 1 && e.Term == 5 {
			voted = e.At
		}
	}
	if voted != 100*ms {
		t.Fatalf("peer 1 voted at %v; want at the request's arrival, 100ms", voted)
	}
	st := c.Stats().RequestVote
	if st.Sent != 1 || st.Delivered != 1 || st.Dropped != 1 || st.Replied != 0 {
		t.Fatalf("RequestVote stats %+v; want 1 sent, 1 delivered, 1 dropped", st)
	}
}
