package hashiraft

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/latency"
)

// answer replies to every RPC on t's consumer until stop closes.
func answer(t *transport, stop chan struct{}) {
	for {
		select {
		case rpc := <-t.Consumer():
			rpc.Respond(&raft.AppendEntriesResponse{Term: 7, Success: true}, nil)
		case <-stop:
			return
		}
	}
}

// TestTransportDelays measures a call's round trip: a delay each way.
func TestTransportDelays(t *testing.T) {
	const d = 20 * time.Millisecond
	b := failover.NewBoard(2)
	n := newNetwork(2, latency.Constant{D: d}, 1, b, nil)
	t0, t1 := n.newTransport(0), n.newTransport(1)
	stop := make(chan struct{})
	defer close(stop)
	go answer(t1, stop)
	for i := 0; i < 3; i++ {
		var resp raft.AppendEntriesResponse
		start := time.Now()
		err := t0.AppendEntries("n1", "n1", &raft.AppendEntriesRequest{RPCHeader: raft.RPCHeader{Addr: []byte("n0")}, Term: 7, PrevLogEntry: 3}, &resp)
		got := time.Since(start)
		if err != nil || !resp.Success || resp.Term != 7 {
			t.Fatalf("call %d: %v, %+v", i, err, resp)
		}
		if got < 2*d || got > 2*d+10*time.Millisecond {
			t.Errorf("call %d took %v, want %v (+ up to 10ms)", i, got, 2*d)
		}
	}
	if c := b.Counts(); c[failover.Append] != 3 || c[failover.AppendResp] != 3 {
		t.Errorf("counted %d appends and %d responses, want 3 and 3", c[failover.Append], c[failover.AppendResp])
	}
}

// TestTransportHeartbeatFastPath checks that a heartbeat goes to the
// handler raft installs, as NetworkTransport sends it, not to the consumer.
func TestTransportHeartbeatFastPath(t *testing.T) {
	b := failover.NewBoard(2)
	n := newNetwork(2, latency.Constant{D: time.Millisecond}, 1, b, nil)
	t0, t1 := n.newTransport(0), n.newTransport(1)
	handled := make(chan struct{}, 1)
	t1.SetHeartbeatHandler(func(rpc raft.RPC) {
		handled <- struct{}{}
		rpc.Respond(&raft.AppendEntriesResponse{Term: 2, Success: true}, nil)
	})
	var resp raft.AppendEntriesResponse
	hb := &raft.AppendEntriesRequest{RPCHeader: raft.RPCHeader{Addr: []byte("n0")}, Term: 2}
	if err := t0.AppendEntries("n1", "n1", hb, &resp); err != nil || !resp.Success {
		t.Fatalf("heartbeat: %v, %+v", err, resp)
	}
	select {
	case <-handled:
	default:
		t.Fatal("the heartbeat handler was not called")
	}
	if c := b.Counts(); c[failover.Heartbeat] != 1 || c[failover.HeartbeatResp] != 1 {
		t.Errorf("counts %v, want one heartbeat and its response", c)
	}
}

// TestTransportCrashed checks that a call to a crashed node fails after a
// round trip, and a crashed node calls no one.
func TestTransportCrashed(t *testing.T) {
	const d = 10 * time.Millisecond
	b := failover.NewBoard(2)
	n := newNetwork(2, latency.Constant{D: d}, 1, b, nil)
	t0, _ := n.newTransport(0), n.newTransport(1)
	b.SetAlive(1, false)
	var resp raft.RequestVoteResponse
	start := time.Now()
	if err := t0.RequestVote("n1", "n1", &raft.RequestVoteRequest{Term: 3}, &resp); err == nil {
		t.Fatal("a call to a crashed node succeeded")
	}
	if got := time.Since(start); got < 2*d || got > 2*d+10*time.Millisecond {
		t.Errorf("the refused call took %v, want %v", got, 2*d)
	}
	b.SetAlive(1, true)
	b.SetAlive(0, false)
	if err := t0.RequestVote("n1", "n1", &raft.RequestVoteRequest{Term: 3}, &resp); err == nil {
		t.Fatal("a crashed node made a call")
	}
	if c := b.Counts(); c[failover.Vote] != 1 {
		t.Errorf("counted %d votes, want 1 (the crashed node's is never sent)", c[failover.Vote])
	}
}
