package etcdraft

import (
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/raftbench/raftbench/libs/failover"
	"github.com/raftbench/raftbench/libs/latency"
)

func msg(from, to, index uint64) *pb.Message {
	return &pb.Message{Type: pb.MsgApp.Enum(), From: new(from), To: new(to), Index: new(index)}
}

// TestNetDelays measures the delay a message pays on the wire.
func TestNetDelays(t *testing.T) {
	const d = 20 * time.Millisecond
	b := failover.NewBoard(2)
	n := newNet(2, latency.Constant{D: d}, 1, b)
	defer n.close()
	inbox := make(chan *pb.Message, 16)
	n.attach(1, inbox)
	for i := 0; i < 5; i++ {
		sent := time.Now()
		n.send(0, msg(1, 2, uint64(i)))
		m := <-inbox
		got := time.Since(sent)
		if m.GetIndex() != uint64(i) {
			t.Fatalf("received message %d, want %d", m.GetIndex(), i)
		}
		// Never early; late only by timer and scheduling slack.
		if got < d || got > d+10*time.Millisecond {
			t.Errorf("message %d took %v, want %v (+ up to 10ms)", i, got, d)
		}
	}
	if c := b.Counts(); c[failover.Append] != 5 {
		t.Errorf("counted %d appends, want 5", c[failover.Append])
	}
}

// TestNetFIFO checks that varying delays never reorder a link, as TCP does not.
func TestNetFIFO(t *testing.T) {
	b := failover.NewBoard(2)
	n := newNet(2, latency.Uniform{Min: 0, Max: 10 * time.Millisecond}, 1, b)
	defer n.close()
	inbox := make(chan *pb.Message, 100)
	n.attach(1, inbox)
	for i := 0; i < 100; i++ {
		n.send(0, msg(1, 2, uint64(i)))
	}
	for i := 0; i < 100; i++ {
		if m := <-inbox; m.GetIndex() != uint64(i) {
			t.Fatalf("message %d arrived in place %d", m.GetIndex(), i)
		}
	}
}

// TestNetCrash checks that a crashed node neither sends nor receives.
func TestNetCrash(t *testing.T) {
	const d = 5 * time.Millisecond
	b := failover.NewBoard(2)
	n := newNet(2, latency.Constant{D: d}, 1, b)
	defer n.close()
	in0, in1 := make(chan *pb.Message, 4), make(chan *pb.Message, 4)
	n.attach(0, in0)
	n.attach(1, in1)
	b.SetAlive(1, false)
	n.send(0, msg(1, 2, 1)) // to the crashed node
	n.send(1, msg(2, 1, 2)) // from it
	time.Sleep(4 * d)
	if len(in0)+len(in1) != 0 {
		t.Errorf("delivered %d to the live node and %d to the crashed one; want none", len(in0), len(in1))
	}
}
