package live

import (
	"errors"
	"syscall"
	"testing"
	"time"

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
