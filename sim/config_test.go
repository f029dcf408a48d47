package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
)

func TestNewClusterRejectsBadConfig(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name string
		cfg  Config
		want string // a fragment naming the field
	}{
		{"no nodes", Config{Nodes: 0}, "Nodes is 0"},
		{"negative nodes", Config{Nodes: -2}, "Nodes is -2"},
		{"negative heartbeat", Config{Nodes: 3, Raft: raft.Config{HeartbeatInterval: -ms, ElectionTimeoutMin: ms, ElectionTimeoutMax: ms}}, "HeartbeatInterval"},
		{"zero timeout", Config{Nodes: 3, Raft: raft.Config{HeartbeatInterval: ms}}, "ElectionTimeoutMin"},
		{"reversed timeouts", Config{Nodes: 3, Raft: raft.Config{HeartbeatInterval: ms, ElectionTimeoutMin: 300 * ms, ElectionTimeoutMax: 150 * ms}}, "ElectionTimeoutMax (150ms) is below ElectionTimeoutMin (300ms)"},
		{"loss of one", Config{Nodes: 3, Network: Network{Loss: 1}}, "Network.Loss"},
		{"negative loss", Config{Nodes: 3, Network: Network{Loss: -0.1}}, "Network.Loss"},
		{"negative fsync", Config{Nodes: 3, Fsync: Constant{-ms}}, "Fsync"},
		{"negative rpc timeout", Config{Nodes: 3, Network: Network{RPCTimeout: -ms}}, "RPCTimeout"},
		{"reversed uniform", Config{Nodes: 3, Network: Network{Latency: Uniform{8 * ms, 2 * ms}}}, "uniform latency"},
		{"negative constant", Config{Nodes: 3, Network: Network{Latency: Constant{-ms}}}, "negative"},
		{"lognormal zero median", Config{Nodes: 3, Network: Network{Latency: LogNormal{0, 1}}}, "lognormal"},
		{"link out of range", Config{Nodes: 3, Network: Network{Links: map[Link]Latency{{0, 3}: Constant{ms}}}}, "0->3"},
		{"link without model", Config{Nodes: 3, Network: Network{Links: map[Link]Latency{{0, 1}: nil}}}, "no latency model"},
		{"unknown runtime", Config{Nodes: 3, Runtime: 7}, "Runtime"},
		{"log positions mismatch", Config{Nodes: 3, LastLog: []raft.LogPosition{{}}}, "LastLog"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCluster(tc.cfg)
			if err == nil {
				c.Stop()
				t.Fatalf("accepted %+v", tc.cfg)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestPerLinkLatencyOverride(t *testing.T) {
	// All links take 1ms except 0->1 and 1->0, which take 40ms. Peer 2's log
	// is stale, so 0 or 1 leads, and its heartbeat round trip to the other
	// takes 80ms against 2ms to peer 2.
	ms := time.Millisecond
	c, err := NewCluster(Config{Nodes: 3, Seed: 1, Record: true,
		LastLog: []raft.LogPosition{{Term: 1}, {Term: 1}, {}},
		Network: Network{Latency: Constant{ms}, Links: map[Link]Latency{{0, 1}: Constant{40 * ms}, {1, 0}: Constant{40 * ms}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	c.RunFor(2 * time.Second)
	leader, ok := c.Leader()
	if !ok || leader == 2 {
		t.Fatalf("leader %d, %v; want 0 or 1", leader, ok)
	}
	far := 1 - leader
	sent := map[int][]time.Duration{}
	for _, e := range c.Events() {
		if e.Kind == RPCDone && e.RPC == AppendEntries && e.Outcome == Replied {
			sent[e.Other] = append(sent[e.Other], e.At)
		}
	}
	if len(sent[far]) == 0 || len(sent[2]) == 0 {
		t.Fatalf("no heartbeat replies recorded: %v", sent)
	}
	// Heartbeat rounds leave together, so each reply from the far peer comes
	// 78ms after the matching reply from peer 2.
	if d := sent[far][0] - sent[2][0]; d != 78*ms {
		t.Fatalf("reply from peer %d came %v after the one from peer 2; want 78ms", far, d)
	}
}
