package failover

import (
	"testing"
	"time"
)

func TestAgreed(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	type report struct{ node, leader, ms int }
	for _, c := range []struct {
		name    string
		dead    []int
		reports []report
		leader  int
		ms      int
		ok      bool
	}{
		{"nobody knows", nil, nil, None, 0, false},
		{"all agree", nil, []report{{0, 1, 5}, {1, 1, 3}, {2, 1, 9}}, 1, 9, true},
		{"one still on another", nil, []report{{0, 1, 5}, {1, 1, 3}, {2, 0, 9}}, None, 0, false},
		{"the leader does not know itself", nil, []report{{0, 1, 5}, {1, 2, 3}, {2, 1, 9}}, None, 0, false},
		{"the dead are not asked", []int{2}, []report{{0, 1, 5}, {1, 1, 3}, {2, 0, 9}}, 1, 5, true},
		{"a dead leader is no leader", []int{1}, []report{{0, 1, 5}, {2, 1, 9}}, None, 0, false},
	} {
		b := NewBoard(3)
		for _, d := range c.dead {
			b.SetAlive(d, false)
		}
		for _, r := range c.reports {
			b.Leader(r.node, r.leader, at(r.ms))
		}
		l, when, ok := b.view().agreed()
		if ok != c.ok || l != c.leader || (ok && !when.Equal(at(c.ms))) {
			t.Errorf("%s: agreed() = %d, %v, %v; want %d, %v, %v", c.name, l, when.Sub(t0), ok, c.leader, time.Duration(c.ms)*time.Millisecond, c.ok)
		}
	}
}

func TestFirstLeader(t *testing.T) {
	b := NewBoard(3)
	t0 := time.Now()
	b.Leader(0, 0, t0.Add(3*time.Millisecond))
	b.resetFirstLeader()
	b.Leader(1, 1, t0.Add(7*time.Millisecond))
	b.Leader(2, 2, t0.Add(5*time.Millisecond)) // reports may arrive out of time order
	if got := b.view().firstLeader; !got.Equal(t0.Add(5 * time.Millisecond)) {
		t.Errorf("first leader at %v, want 5ms", got.Sub(t0))
	}
}

func TestNextHeartbeat(t *testing.T) {
	b := NewBoard(2)
	c := b.NextHeartbeat(1)
	b.Sent(Heartbeat, 0, time.Now()) // another node's: not this one
	b.Sent(Vote, 1, time.Now())
	select {
	case <-c:
		t.Fatal("woken by a message that is not node 1's heartbeat")
	default:
	}
	at := time.Now()
	b.Sent(Heartbeat, 1, at)
	select {
	case got := <-c:
		if !got.Equal(at) {
			t.Errorf("heartbeat time %v, want %v", got, at)
		}
	default:
		t.Fatal("node 1's heartbeat did not wake the waiter")
	}
	if n := b.Counts(); n[Heartbeat] != 2 || n[Vote] != 1 {
		t.Errorf("counts %v", n)
	}
}
