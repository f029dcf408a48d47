package live

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
)

const ms = time.Millisecond

// gone reports whether no process has id pid any more (it was reaped).
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

func TestProcessesElectAndFailOver(t *testing.T) {
	l := testLauncher(t)
	c, err := NewCluster(Config{
		Nodes: 3, Seed: 1, Record: true, Launcher: l,
		Raft:    raft.Config{HeartbeatInterval: 20 * ms, ElectionTimeoutMin: 100 * ms, ElectionTimeoutMax: 200 * ms},
		Network: sim.Network{Latency: sim.Constant{D: 2 * ms}, RPCTimeout: 100 * ms},
	})
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	defer func() {
		c.Stop()
		for _, pid := range pids {
			if !gone(pid) {
				t.Errorf("peer process %d still exists after Stop", pid)
			}
		}
	}()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		pids = append(pids, c.peers[i].proc.PID())
	}
	leaderOf := func(e sim.Event) bool { return e.Kind == sim.StateChange && e.Role == raft.Leader }
	if !c.RunUntil(5*time.Second, leaderOf) {
		t.Fatalf("no leader within 5s: %v", c.Err())
	}
	old, ok := c.Leader()
	if !ok {
		t.Fatal("a leader was reported but Leader() has none")
	}
	oldTerm, _ := c.State(old)
	c.RunFor(100 * ms) // heartbeats flow
	if s := c.Stats(); s.AppendEntries.Replied == 0 {
		t.Fatalf("no heartbeat replied in 100ms: %+v", s)
	}
	crashPID := c.peers[old].proc.PID()
	crashAt := c.Now()
	if err := c.Crash(old); err != nil {
		t.Fatal(err)
	}
	if !gone(crashPID) {
		t.Fatalf("crashed peer's process %d still exists", crashPID)
	}
	var newLeader sim.Event
	if !c.RunUntil(5*time.Second, func(e sim.Event) bool {
		if leaderOf(e) && e.Term > oldTerm {
			newLeader = e
			return true
		}
		return false
	}) {
		t.Fatalf("no new leader within 5s of the crash: %v", c.Err())
	}
	downtime := newLeader.At - crashAt
	// The followers wait out at least the minimum timeout after the last
	// heartbeat, and at most the maximum plus an election's round trips.
	if downtime < 100*ms-20*ms || downtime > 2*time.Second {
		t.Errorf("new leader %v after the crash; want between 80ms and 2s", downtime)
	}
	if newLeader.Peer == old {
		t.Errorf("the crashed peer %d became leader", old)
	}
	if err := c.Restart(old); err != nil {
		t.Fatal(err)
	}
	pids = append(pids, c.peers[old].proc.PID())
	// The restarted peer reports the term it persisted, not zero.
	back := false
	c.RunUntil(2*time.Second, func(e sim.Event) bool {
		if e.Kind == sim.Heartbeat && e.Peer == old && e.Term >= newLeader.Term {
			back = true
		}
		return back
	})
	if !back {
		t.Errorf("restarted peer %d did not accept the new leader's heartbeats: %v", old, c.Err())
	}
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestVariantCrossesTheWire(t *testing.T) {
	for _, r := range []raft.Config{
		{PreVote: true, CheckQuorum: true, Ticks: &raft.Ticks{Tick: 10 * ms, HeartbeatTick: 1, ElectionTick: 10}},
		{PreVote: true, LeaderStickiness: true, Hashicorp: &raft.HashicorpTiming{HeartbeatTimeout: 150 * ms, ElectionTimeout: 150 * ms, LeaderLeaseTimeout: 75 * ms}},
		{},
	} {
		var w livepb.PeerConfig
		variantToWire(r, &w)
		var back raft.Config
		variantFromWire(&w, &back)
		same := back.PreVote == r.PreVote && back.CheckQuorum == r.CheckQuorum && back.LeaderStickiness == r.LeaderStickiness &&
			(back.Ticks == nil) == (r.Ticks == nil) && (back.Ticks == nil || *back.Ticks == *r.Ticks) &&
			(back.Hashicorp == nil) == (r.Hashicorp == nil) && (back.Hashicorp == nil || *back.Hashicorp == *r.Hashicorp)
		if !same {
			t.Errorf("%+v came back as %+v", r, back)
		}
	}
}

func TestProcessesRunAVariant(t *testing.T) {
	// etcd-like peers as processes: a leader is elected and the run stays
	// safe; with CheckQuorum, a leader cut off steps down without a heal.
	c, err := NewCluster(Config{
		Nodes: 3, Seed: 5, Launcher: testLauncher(t),
		Raft: raft.Config{HeartbeatInterval: 20 * ms, ElectionTimeoutMin: 100 * ms, ElectionTimeoutMax: 190 * ms,
			PreVote: true, CheckQuorum: true, Ticks: &raft.Ticks{Tick: 20 * ms, HeartbeatTick: 1, ElectionTick: 5}},
		Network: sim.Network{Latency: sim.Constant{D: ms}, RPCTimeout: 100 * ms},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if !c.RunUntil(5*time.Second, func(e sim.Event) bool { return e.Kind == sim.StateChange && e.Role == raft.Leader }) {
		t.Fatalf("no leader: %v", c.Err())
	}
	leader, _ := c.Leader()
	var others []int
	for i := range 3 {
		if i != leader {
			others = append(others, i)
		}
	}
	cut := c.Now()
	if err := c.Partition([]int{leader}, others); err != nil {
		t.Fatal(err)
	}
	var down time.Duration
	if !c.RunUntil(3*time.Second, func(e sim.Event) bool {
		if e.Kind == sim.StateChange && e.Peer == leader && e.Role != raft.Leader {
			down = e.At
			return true
		}
		return false
	}) {
		t.Fatalf("the cut-off leader did not step down (CheckQuorum did not reach the process?): %v", c.Err())
	}
	// etcd checks its quorum every ElectionTick ticks: within two such
	// windows (200ms) of the cut, plus scheduling.
	if d := down - cut; d > 400*ms {
		t.Errorf("stepped down %v after the cut; want within about 200ms", d)
	}
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
}
