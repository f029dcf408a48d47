package sim

import (
	"strings"
	"sync"
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
		c, err := newVariantCluster(cfg)
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

// newVariantCluster builds a cluster whose safety monitor does not take a
// granted pre-vote for a vote. network.go's endpoint checks every granted
// RequestVote reply against the voter's disk ("persist before reply"), and
// a pre-vote is, by design, written nowhere: until it skips replies to
// args.PreVote, a "persist before reply" violation that no real vote is
// behind (no Vote event from that voter for that candidate in that term) is
// dropped as it happens. One that a real vote is behind still counts and
// still halts the run, and so does every other rule. A real vote always
// has its Vote event: raft reports it before the reply leaves.
func newVariantCluster(cfg Config) (*Cluster, error) {
	var mu sync.Mutex
	votes := map[[3]int]bool{} // voter, term, candidate
	onEvent := cfg.OnEvent
	cfg.OnEvent = func(e Event) {
		if e.Kind == Vote {
			mu.Lock()
			votes[[3]int{e.Peer, e.Term, e.Other}] = true
			mu.Unlock()
		}
		if onEvent != nil {
			onEvent(e)
		}
	}
	c, err := NewCluster(cfg)
	if err != nil || !cfg.Raft.PreVote {
		return c, err
	}
	halt := c.mon.onViolate
	// Called with c.mon.mu held, right after the violation was appended.
	c.mon.onViolate = func() {
		v := c.mon.violations[len(c.mon.violations)-1]
		if v.Rule == "persist before reply" && len(v.Peers) == 2 {
			mu.Lock()
			real := votes[[3]int{v.Peers[0], v.Term, v.Peers[1]}]
			mu.Unlock()
			if !real {
				c.mon.violations = c.mon.violations[:len(c.mon.violations)-1]
				return
			}
		}
		halt()
	}
	return c, nil
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

// The pre-vote allowance of newVariantCluster drops only what a pre-vote
// explains: a granted reply with no real vote behind it passes, an
// unpersisted real vote is still a violation.
func TestVariantClusterStillCatchesUnpersistedVotes(t *testing.T) {
	cfg := Config{Nodes: 3, Raft: raft.DefaultConfig()}
	cfg.Raft.PreVote = true
	c, err := newVariantCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	// Peer 1 at term 4 (voted for 2) grants peer 0 a pre-vote.
	c.mon.votePersisted(0, 1, 0, 4, raft.EncodeState(4, 2))
	if err := c.Err(); err != nil {
		t.Fatalf("a granted pre-vote was taken for a vote: %v", err)
	}
	// Peer 1 really votes for 0 in term 5, but its disk still holds term 4.
	c.emit(Event{Kind: Vote, Peer: 1, Term: 5, Other: 0})
	c.mon.votePersisted(0, 1, 0, 5, raft.EncodeState(4, 2))
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "persist before reply") {
		t.Fatalf("an unpersisted real vote: error %v; want a persist-before-reply violation", err)
	}
}
