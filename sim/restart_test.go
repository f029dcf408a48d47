package sim

import (
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
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
	must(t, c.Restart(leader))
	// The restarted peer starts from its persisted term, not from zero.
	var restartTerm = -1
	for _, e := range c.Events() {
		if e.Kind == Fault && e.Fault == "restart" {
			restartTerm = -2
		} else if restartTerm == -2 && e.Kind == StateChange && e.Peer == leader {
			restartTerm = e.Term
		}
	}
	if restartTerm != before {
		t.Fatalf("restarted peer came back in term %d; its disk held %d", restartTerm, before)
	}
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
