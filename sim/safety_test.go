package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
	"pgregory.net/rapid"
)

// The monitor must catch each rule being broken; feed it reports directly.
func TestMonitorCatchesViolations(t *testing.T) {
	cases := []struct {
		name string
		feed func(m *monitor)
		rule string
	}{
		{"two leaders in a term", func(m *monitor) {
			m.stateChanged(0, 0, 3, raft.Leader)
			m.stateChanged(0, 1, 3, raft.Leader)
		}, "one leader per term"},
		{"term goes backwards", func(m *monitor) {
			m.stateChanged(0, 2, 5, raft.Follower)
			m.stateChanged(0, 2, 4, raft.Candidate)
		}, "terms never go backwards"},
		{"two votes in a term", func(m *monitor) {
			m.voteGranted(0, 1, 7, 0)
			m.voteGranted(0, 1, 7, 2)
		}, "one vote per term"},
		{"vote not on disk", func(m *monitor) {
			m.votePersisted(0, 1, 2, 7, raft.EncodeState(7, -1))
		}, "persist before reply"},
		{"nothing on disk", func(m *monitor) {
			m.votePersisted(0, 1, 2, 7, nil)
		}, "persist before reply"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			halted := false
			m := newMonitor(3, func() { halted = true })
			tc.feed(m)
			err := m.err()
			if err == nil || !strings.Contains(err.Error(), tc.rule) {
				t.Fatalf("got %v; want a %q violation", err, tc.rule)
			}
			if !halted {
				t.Fatal("the violation did not halt the run")
			}
		})
	}
}

func TestMonitorAcceptsLegalHistory(t *testing.T) {
	m := newMonitor(3, nil)
	m.stateChanged(0, 0, 1, raft.Candidate)
	m.voteGranted(0, 0, 1, 0)
	m.voteGranted(0, 1, 1, 0)
	m.voteGranted(0, 1, 1, 0) // the same vote again (a retried RPC) is fine
	m.votePersisted(0, 1, 0, 1, raft.EncodeState(1, 0))
	m.votePersisted(0, 1, 0, 1, raft.EncodeState(2, -1)) // moved on since: fine
	m.stateChanged(0, 0, 1, raft.Leader)
	m.stateChanged(0, 0, 1, raft.Leader)
	m.stateChanged(0, 1, 2, raft.Candidate)
	m.stateChanged(0, 1, 2, raft.Leader)
	if err := m.err(); err != nil {
		t.Fatal(err)
	}
}

// TestSafetyUnderRandomFaults drives clusters of every protocol variant
// through random fault schedules and networks; the safety monitor must
// never fire.
func TestSafetyUnderRandomFaults(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := rapid.IntRange(1, 7).Draw(t, "nodes")
		minTimeout := time.Duration(rapid.IntRange(20, 300).Draw(t, "timeoutMinMs")) * time.Millisecond
		variant := rapid.SampledFrom(safetyVariants).Draw(t, "variant")
		cfg := Config{
			Nodes: nodes,
			Seed:  rapid.Uint64().Draw(t, "seed"),
			Raft: raft.Config{
				HeartbeatInterval:  time.Duration(rapid.IntRange(5, 200).Draw(t, "heartbeatMs")) * time.Millisecond,
				ElectionTimeoutMin: minTimeout,
				ElectionTimeoutMax: minTimeout + time.Duration(rapid.IntRange(0, 300).Draw(t, "spreadMs"))*time.Millisecond,
			},
			Network: Network{
				Latency: rapid.SampledFrom([]Latency{
					Constant{0}, Constant{5 * time.Millisecond}, Uniform{0, 30 * time.Millisecond},
					Normal{10 * time.Millisecond, 10 * time.Millisecond}, LogNormal{5 * time.Millisecond, 1},
					Exponential{time.Millisecond, 20 * time.Millisecond},
				}).Draw(t, "latency"),
				Loss:       rapid.SampledFrom([]float64{0, 0.01, 0.1, 0.3}).Draw(t, "loss"),
				RPCTimeout: time.Duration(rapid.IntRange(10, 500).Draw(t, "rpcTimeoutMs")) * time.Millisecond,
			},
			Fsync: rapid.SampledFrom([]Latency{
				nil, Constant{2 * time.Millisecond}, Uniform{0, 20 * time.Millisecond}, Exponential{time.Millisecond, 5 * time.Millisecond},
			}).Draw(t, "fsync"),
		}
		drawVariant(t, variant, &cfg.Raft)
		c, err := NewCluster(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Stop()
		peer := rapid.IntRange(0, nodes-1)
		steps := rapid.IntRange(1, 25).Draw(t, "steps")
		for range steps {
			c.RunFor(time.Duration(rapid.IntRange(0, 600).Draw(t, "waitMs")) * time.Millisecond)
			switch rapid.IntRange(0, 6).Draw(t, "fault") {
			case 0:
				_ = c.Crash(peer.Draw(t, "peer")) // may already be down
			case 1:
				_ = c.Restart(peer.Draw(t, "peer")) // may be running
			case 2:
				must2(t, c.Disconnect(peer.Draw(t, "peer")))
			case 3:
				must2(t, c.Connect(peer.Draw(t, "peer")))
			case 4:
				split := rapid.IntRange(0, nodes).Draw(t, "split")
				perm := rapid.Permutation(seq(nodes)).Draw(t, "perm")
				must2(t, c.Partition(perm[:split], perm[split:]))
			case 5:
				c.Heal()
			case 6: // no fault
			}
			if err := c.Err(); err != nil {
				t.Fatal(err)
			}
		}
		c.RunFor(2 * time.Second)
		if err := c.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func must2(t *rapid.T, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

// safetyVariants are the protocol variants the property test draws.
var safetyVariants = []string{"none", "prevote", "checkquorum", "prevote+checkquorum", "stickiness", "ticks", "hashicorp", "etcd"}

// drawVariant turns variant on in cfg, drawing its own timers where it has
// any (and filling the effective durations from them, as a caller must).
func drawVariant(t *rapid.T, variant string, cfg *raft.Config) {
	ms := time.Millisecond
	ticks := func() {
		tick := time.Duration(rapid.IntRange(1, 100).Draw(t, "tickMs")) * ms
		hb := rapid.IntRange(1, 3).Draw(t, "heartbeatTick")
		el := rapid.IntRange(hb+1, 20).Draw(t, "electionTick")
		cfg.Ticks = &raft.Ticks{Tick: tick, HeartbeatTick: hb, ElectionTick: el}
		cfg.HeartbeatInterval, cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax = time.Duration(hb)*tick, time.Duration(el)*tick, time.Duration(2*el-1)*tick
	}
	switch variant {
	case "none":
	case "prevote":
		cfg.PreVote = true
	case "checkquorum":
		cfg.CheckQuorum = true
	case "prevote+checkquorum":
		cfg.PreVote, cfg.CheckQuorum = true, true
	case "stickiness":
		cfg.LeaderStickiness = true
	case "ticks":
		ticks()
	case "etcd":
		ticks()
		cfg.PreVote, cfg.CheckQuorum = true, true
	case "hashicorp":
		ht := time.Duration(rapid.IntRange(10, 300).Draw(t, "heartbeatTimeoutMs")) * ms
		et := time.Duration(rapid.IntRange(10, 300).Draw(t, "electionTimeoutMs")) * ms
		lease := time.Duration(rapid.IntRange(1, int(ht/ms)).Draw(t, "leaseMs")) * ms
		cfg.Hashicorp = &raft.HashicorpTiming{HeartbeatTimeout: ht, ElectionTimeout: et, LeaderLeaseTimeout: lease}
		cfg.HeartbeatInterval, cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax = ht/10, ht, 2*ht
		// hashicorp/raft v1.8 pre-votes unless told not to: draw both.
		cfg.PreVote = rapid.Bool().Draw(t, "hashicorpPreVote")
		cfg.LeaderStickiness = rapid.Bool().Draw(t, "hashicorpStickiness")
	default:
		t.Fatalf("unknown variant %q", variant)
	}
}

// A granted pre-vote is saved nowhere, and is no violation; a real vote's
// reply that leaves before the vote is on disk still is.
func TestPreVotesAreNotVotesToPersist(t *testing.T) {
	cfg := Config{Nodes: 3, Seed: 4, Record: true, Raft: raft.DefaultConfig()}
	cfg.Raft.PreVote = true
	c, err := NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	c.RunFor(2 * time.Second) // pre-votes, then votes, then a leader
	if err := c.Err(); err != nil {
		t.Fatalf("a cluster with PreVote on: %v", err)
	}
	if _, ok := c.Leader(); !ok {
		t.Fatalf("no leader in 2s")
	}
	c.mon.votePersisted(0, 1, 0, 5, raft.EncodeState(4, 2))
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "persist before reply") {
		t.Fatalf("an unpersisted real vote: error %v; want a persist-before-reply violation", err)
	}
}
