package failover

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Cluster is what the harness needs of a library's cluster. Nodes are
// numbered 0..n-1 and report to the Board they were built with.
type Cluster interface {
	// Start boots every node.
	Start() error
	// Crash stops node i at once: from this call on it sends and receives
	// nothing (messages it already sent are on the wire and arrive).
	Crash(i int)
	// Restart brings a crashed node back with the state it had persisted.
	Restart(i int) error
	// Close stops every node.
	Close()
}

// Rebooter is a Cluster that can start over: every node stopped, and a new
// cluster booted on empty stores (Plan.Fresh).
type Rebooter interface {
	Reboot() error
}

// Plan is one measurement.
type Plan struct {
	Trials int
	// Heartbeat is the leader's heartbeat interval: the crash falls uniformly
	// in [0, Heartbeat) after a heartbeat is sent, so before the next one.
	Heartbeat time.Duration
	// Settle is how long a leader must have been agreed by every node before
	// the next crash, so the restored node has rejoined and timers are in
	// their steady state.
	Settle time.Duration
	// Limit bounds one failover; a trial that exceeds it is counted as not
	// converged and the run goes on.
	Limit time.Duration
	// Fresh runs each trial on a cluster booted for it (the cluster must be
	// a Rebooter): its first leader is crashed after the first heartbeat
	// it sends once every node follows it, with no Settle, as raftbench's
	// leader-crash trial does. Without it, trials follow one another on
	// one cluster, the crashed node restarted after each. A library whose
	// followers keep timers that a heartbeat does not restart (hashicorp)
	// fails over differently in the two: the timers' phases at the crash
	// depend on what happened before it.
	Fresh bool
	// RateWindow is the fault-free window over which messages are counted.
	RateWindow time.Duration
	Seed       uint64
	// Progress, if set, is told of each trial.
	Progress func(trial int, t Trial)
}

// Trial is one failover.
type Trial struct {
	Crashed      int
	NewLeader    int
	TimeToLeader time.Duration // crash to the first node becoming leader
	Downtime     time.Duration // crash to every live node knowing the new leader
	Converged    bool
}

// Measurement is what Run returns.
type Measurement struct {
	Trials []Trial
	// Rates is messages per second by kind over RateWindow, with a stable
	// leader and no fault.
	Rates      map[string]float64
	RateWindow time.Duration
}

// Run measures the message rates and then Plan.Trials failovers on c, whose
// nodes report to b.
func Run(ctx context.Context, c Cluster, b *Board, p Plan) (Measurement, error) {
	rng := rand.New(rand.NewPCG(p.Seed, 0x6661696c))
	var m Measurement
	settle := p.Settle
	var reboot Rebooter
	if p.Fresh {
		var ok bool
		if reboot, ok = c.(Rebooter); !ok {
			return m, fmt.Errorf("fresh trials: the cluster %T cannot reboot", c)
		}
		settle = 0
	}
	if err := c.Start(); err != nil {
		return m, err
	}
	defer c.Close()
	if _, err := waitStable(ctx, b, p.Settle, p.Limit); err != nil {
		return m, fmt.Errorf("first leader: %w", err)
	}
	if p.RateWindow > 0 {
		rates, err := measureRates(ctx, b, p.RateWindow)
		if err != nil {
			return m, err
		}
		m.Rates, m.RateWindow = rates, p.RateWindow
	}
	for i := 0; i < p.Trials; i++ {
		if reboot != nil {
			if err := reboot.Reboot(); err != nil {
				return m, fmt.Errorf("trial %d: reboot: %w", i, err)
			}
		}
		leader, err := waitStable(ctx, b, settle, p.Limit)
		if err != nil {
			return m, fmt.Errorf("trial %d: before the crash: %w", i, err)
		}
		t, err := trial(ctx, c, b, leader, p, rng)
		if err != nil {
			return m, fmt.Errorf("trial %d: %w", i, err)
		}
		m.Trials = append(m.Trials, t)
		if p.Progress != nil {
			p.Progress(i, t)
		}
		if reboot != nil {
			continue // the next trial boots a cluster of its own
		}
		if err := c.Restart(leader); err != nil {
			return m, fmt.Errorf("trial %d: restart node %d: %w", i, leader, err)
		}
	}
	return m, nil
}

// trial crashes leader at a random point of its heartbeat interval and waits
// for the survivors to agree on another.
func trial(ctx context.Context, c Cluster, b *Board, leader int, p Plan, rng *rand.Rand) (Trial, error) {
	var hb time.Time
	select {
	case hb = <-b.NextHeartbeat(leader):
	case <-time.After(p.Limit):
		return Trial{}, fmt.Errorf("leader %d sent no heartbeat in %v", leader, p.Limit)
	case <-ctx.Done():
		return Trial{}, ctx.Err()
	}
	offset := time.Duration(rng.Int64N(int64(p.Heartbeat)))
	time.Sleep(time.Until(hb.Add(offset)))
	b.resetFirstLeader()
	crash := time.Now()
	c.Crash(leader)
	t := Trial{Crashed: leader, NewLeader: None}
	deadline := time.After(p.Limit)
	for {
		v := b.view()
		if l, at, ok := v.agreed(); ok && l != leader {
			t.NewLeader, t.Downtime, t.Converged = l, at.Sub(crash), true
			t.TimeToLeader = v.firstLeader.Sub(crash)
			return t, nil
		}
		select {
		case <-v.changed:
		case <-deadline:
			return t, nil
		case <-ctx.Done():
			return Trial{}, ctx.Err()
		}
	}
}

var errNoLeader = errors.New("no leader agreed by every live node")

// waitStable waits until every node has agreed on one leader for settle and
// returns it.
func waitStable(ctx context.Context, b *Board, settle, limit time.Duration) (int, error) {
	deadline := time.After(limit + settle)
	for {
		v := b.view()
		var recheck <-chan time.Time
		if l, at, ok := v.agreed(); ok {
			wait := time.Until(at.Add(settle))
			if wait <= 0 {
				return l, nil
			}
			recheck = time.After(wait)
		}
		select {
		case <-v.changed:
		case <-recheck:
		case <-deadline:
			return None, fmt.Errorf("%w within %v", errNoLeader, limit+settle)
		case <-ctx.Done():
			return None, ctx.Err()
		}
	}
}

// measureRates counts messages over window while the leader holds; it fails
// if the leader changes, since the window must be fault-free.
func measureRates(ctx context.Context, b *Board, window time.Duration) (map[string]float64, error) {
	before := b.view()
	l0, _, _ := before.agreed()
	c0 := b.Counts()
	start := time.Now()
	select {
	case <-time.After(window):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c1 := b.Counts()
	elapsed := time.Since(start).Seconds()
	if l1, _, ok := b.view().agreed(); !ok || l1 != l0 {
		return nil, errors.New("the leader changed during the fault-free window")
	}
	rates := map[string]float64{}
	for k := range c1 {
		rates[Kind(k).String()] = float64(c1[k]-c0[k]) / elapsed
	}
	return rates, nil
}
