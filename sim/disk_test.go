package sim

import (
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
)

// diskCluster is three peers with fixed 100ms timeouts, 1ms messages and
// 10ms writes (or none), booted at the given times, run for 200ms.
func diskCluster(t *testing.T, fsync Latency, boots ...time.Duration) []Event {
	t.Helper()
	ms := time.Millisecond
	c, err := NewCluster(Config{Nodes: 3, Seed: 1, Record: true, Fsync: fsync, BootDelays: boots,
		Raft:    raft.Config{HeartbeatInterval: 50 * ms, ElectionTimeoutMin: 100 * ms, ElectionTimeoutMax: 100 * ms},
		Network: Network{Latency: Constant{D: ms}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	c.RunFor(200 * ms)
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	return c.Events()
}

// firstAt is when the first event matching f happened, or -1.
func firstAt(events []Event, f func(Event) bool) time.Duration {
	for _, e := range events {
		if f(e) {
			return e.At
		}
	}
	return -1
}

// Where a write is paid, worked out by hand. Peer 0 times out at 100ms and
// writes its term until 110ms; its RequestVotes arrive at 111ms; each voter
// writes the new term (121ms), then its vote (131ms), and replies; the reply
// makes peer 0 leader at 132ms and its first heartbeat arrives at 133ms.
// Without writes: votes at 101ms, leader at 102ms, heartbeat at 103ms.
func TestWritesArePaidBeforeVotesAndReplies(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		fsync                   Latency
		vote, leader, heartbeat time.Duration
	}{
		{Constant{D: 10 * ms}, 131 * ms, 132 * ms, 133 * ms},
		{nil, 101 * ms, 102 * ms, 103 * ms},
	} {
		events := diskCluster(t, c.fsync, 0, 50*ms, 50*ms)
		vote := firstAt(events, func(e Event) bool { return e.Kind == Vote && e.Peer == 1 && e.Other == 0 })
		leader := firstAt(events, func(e Event) bool { return e.Kind == StateChange && e.Role == raft.Leader })
		heard := firstAt(events, func(e Event) bool { return e.Kind == Heartbeat && e.Peer == 2 })
		if vote != c.vote || leader != c.leader || heard != c.heartbeat {
			t.Errorf("fsync %v: vote at %v, leader at %v, heartbeat at %v; want %v, %v, %v",
				c.fsync, vote, leader, heard, c.vote, c.leader, c.heartbeat)
		}
	}
}

// A peer answers nothing while it writes. Peer 1 boots 5ms after peer 0 and times out at
// 105ms, writing until 115ms; peer 0's RequestVote reaches it at 111ms but is
// handled only at 115ms (a refusal: it voted for itself), so its reply
// reaches peer 0 at 116ms. Peer 2 is writing peer 0's term and vote from
// 111ms to 131ms; peer 1's RequestVote, there at 116ms, waits until 131ms
// and its refusal reaches peer 1 at 132ms. Peer 0 wins with peer 2's vote.
func TestNoAnswerDuringAWrite(t *testing.T) {
	ms := time.Millisecond
	events := diskCluster(t, Constant{D: 10 * ms}, 0, 5*ms, 50*ms)
	reply := func(from, to int) time.Duration {
		return firstAt(events, func(e Event) bool {
			return e.Kind == RPCDone && e.RPC == RequestVote && e.Peer == from && e.Other == to && e.Outcome == Replied
		})
	}
	if got := reply(0, 1); got != 116*ms {
		t.Errorf("peer 1's answer to peer 0 arrived at %v; want 116ms, after peer 1's write", got)
	}
	if got := reply(1, 2); got != 132*ms {
		t.Errorf("peer 2's answer to peer 1 arrived at %v; want 132ms, after peer 2's two writes", got)
	}
	leader := firstAt(events, func(e Event) bool { return e.Kind == StateChange && e.Role == raft.Leader })
	if leader != 132*ms {
		t.Errorf("leader at %v; want 132ms", leader)
	}
}

// Writes queue on one disk: two saves at once finish one after the other,
// and a restart reads the last one queued.
func TestDiskQueuesWrites(t *testing.T) {
	ms := time.Millisecond
	var d store
	d.write(10*ms, 5*ms, []byte{1})
	if d.busyUntil() != 15*ms {
		t.Fatalf("first write done at %v; want 15ms", d.busyUntil())
	}
	d.write(12*ms, 5*ms, []byte{2})
	if d.busyUntil() != 20*ms {
		t.Fatalf("second write done at %v; want 20ms, after the first", d.busyUntil())
	}
	d.write(30*ms, 5*ms, []byte{3}) // the disk was idle: it starts at once
	if got := d.read(); string(got) != string([]byte{3}) || d.busyUntil() != 35*ms {
		t.Errorf("read %v, busy until %v; want the last write and 35ms", got, d.busyUntil())
	}
}
