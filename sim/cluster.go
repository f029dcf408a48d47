package sim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim/vtime"
	"go.opentelemetry.io/otel/trace"
)

// Config describes a cluster and the world it runs in.
type Config struct {
	// Nodes is the number of peers (at least 1).
	Nodes int
	// Seed fixes every random choice of a virtual-time run.
	Seed uint64
	// Raft is every peer's timing; the zero value means raft.DefaultConfig().
	Raft raft.Config
	// Network is the simulated network.
	Network Network
	// Runtime is Virtual (default) or Realtime.
	Runtime RuntimeKind
	// LastLog optionally gives each peer a synthetic log position, so peers
	// with older positions cannot win elections. Empty, or one per peer.
	LastLog []raft.LogPosition
	// BootDelays optionally delays each peer's boot after Start (boot skew).
	// Empty, or one non-negative delay per peer.
	BootDelays []time.Duration
	// Record keeps every Event of the run for Events().
	Record bool
	// Watchdog is how long, in wall time, a virtual-time run may go without
	// any event before it fails as stuck (zero: vtime.DefaultWatchdog).
	Watchdog time.Duration
	// Budget bounds a virtual-time run's events and live tasks (zero
	// fields: unbounded); a run that exceeds it stops, and Err returns a
	// *BudgetError. The real-time runtime ignores it.
	Budget Budget
	// Fsync is how long one write of a peer's persistent state (currentTerm,
	// votedFor) takes: a candidate's before its RequestVotes go out, a
	// voter's before it grants, any peer's that adopts a higher term before
	// it answers. Writes block the peer (see peerRuntime). Nil: instant.
	Fsync Latency
	// TimerJitter makes every wait of a peer (election timer, heartbeat
	// interval) last up to this much longer, uniformly at random, as an
	// operating system's timer and scheduling lag does. Zero (the default)
	// fires timers exactly.
	TimerJitter time.Duration
	// Tracing, if not nil, gives each peer a tracer and the context its
	// spans hang from; nil traces nothing.
	Tracing *Tracing
	// OnEvent, if not nil, is called with every Event as it happens (with a
	// peer's lock held: it must not call back into the cluster).
	OnEvent func(Event)
}

// Tracing configures the peers' spans.
type Tracing struct {
	// Peer returns peer i's tracer (one service per peer).
	Peer func(i int) trace.Tracer
	// Context is the parent of every peer span (e.g. the trial's root span).
	Context context.Context
	// Epoch is the wall-clock time that time zero maps to.
	Epoch time.Time
	// Record, if not nil, chooses which rounds the peers record (see
	// raft.Tracing.Record: called as each round begins, from the peers'
	// goroutines, so it must be safe for concurrent use); nil records all.
	Record func(raft.RoundKind) bool
}

func (c *Config) validate() error {
	if c.Nodes < 1 {
		return fmt.Errorf("sim config: Nodes is %d; want at least 1", c.Nodes)
	}
	if c.Raft == (raft.Config{}) {
		c.Raft = raft.DefaultConfig()
	}
	if err := c.Raft.Validate(); err != nil {
		return fmt.Errorf("sim config: %w", err)
	}
	if err := c.Network.validate(c.Nodes); err != nil {
		return err
	}
	if c.Runtime != Virtual && c.Runtime != Realtime {
		return fmt.Errorf("sim config: Runtime is %v; want sim.Virtual or sim.Realtime", c.Runtime)
	}
	if len(c.LastLog) != 0 && len(c.LastLog) != c.Nodes {
		return fmt.Errorf("sim config: LastLog has %d positions for %d nodes; want none or one per node", len(c.LastLog), c.Nodes)
	}
	if len(c.BootDelays) != 0 && len(c.BootDelays) != c.Nodes {
		return fmt.Errorf("sim config: BootDelays has %d delays for %d nodes; want none or one per node", len(c.BootDelays), c.Nodes)
	}
	for i, d := range c.BootDelays {
		if d < 0 {
			return fmt.Errorf("sim config: BootDelays[%d] is %v; want 0 or more", i, d)
		}
	}
	if c.Fsync != nil {
		if err := c.Fsync.Validate(); err != nil {
			return fmt.Errorf("sim config: Fsync: %w", err)
		}
	}
	if c.TimerJitter < 0 {
		return fmt.Errorf("sim config: TimerJitter is %v; want 0 or more", c.TimerJitter)
	}
	if c.Watchdog < 0 {
		return fmt.Errorf("sim config: Watchdog is %v; want 0 (default) or more", c.Watchdog)
	}
	return nil
}

// incarnation is one life of a peer, from Start or Restart to Crash.
type incarnation struct {
	id        int
	rf        *raft.Raft
	dead      atomic.Bool
	persister *persister
	clock     *peerRuntime
}

// Cluster is a set of Raft peers on a simulated network.
type Cluster struct {
	cfg        Config
	eng        engine
	peerTimers raft.Runtime // eng, or eng with timer jitter
	fsync      *fsyncModel
	net        *network
	mon        *monitor

	mu      sync.Mutex // guards peers and the driver's flags
	peers   []*incarnation
	started bool
	stopped bool
	runErr  error

	evMu   sync.Mutex // guards events; taken by observers with a peer's lock held
	events []Event

	obsMu  sync.Mutex // serialises stop-condition checks
	stopIf func(Event) bool
}

// NewCluster builds a cluster; nothing runs until Start.
func NewCluster(cfg Config) (*Cluster, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, peers: make([]*incarnation, cfg.Nodes)}
	switch cfg.Runtime {
	case Virtual:
		s := vtime.New(cfg.Seed)
		s.Watchdog = cfg.Watchdog
		s.Budget = cfg.Budget
		c.eng = s
	case Realtime:
		c.eng = newRealtime(cfg.Seed)
	}
	c.peerTimers = c.eng
	c.fsync = &fsyncModel{model: cfg.Fsync, rng: rand.New(rand.NewPCG(cfg.Seed^0xbb67ae8584caa73b, cfg.Seed+3))}
	if cfg.TimerJitter > 0 {
		c.peerTimers = &jitteryRuntime{Runtime: c.eng, jitter: cfg.TimerJitter,
			rng: rand.New(rand.NewPCG(cfg.Seed^0x3c6ef372fe94f82b, cfg.Seed+2))}
	}
	c.mon = newMonitor(cfg.Nodes, c.eng.Halt)
	timeout := cfg.Network.RPCTimeout
	if timeout == 0 {
		timeout = DefaultRPCTimeout
	}
	n := &network{
		timeout: timeout,
		rt:      c.eng,
		c:       c,
		wires:   NewWiring(cfg.Nodes, cfg.Network, NetworkRNG(cfg.Seed)),
		current: make([]*incarnation, cfg.Nodes),
		stores:  make([]*store, cfg.Nodes),
	}
	for i := range cfg.Nodes {
		n.stores[i] = &store{}
	}
	c.net = n
	return c, nil
}

// Config returns the cluster's configuration, defaults filled in.
func (c *Cluster) Config() Config { return c.cfg }

// Start boots every peer at time zero, or after its BootDelays entry.
func (c *Cluster) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return
	}
	c.started = true
	for i := range c.cfg.Nodes {
		if len(c.cfg.BootDelays) == 0 || c.cfg.BootDelays[i] == 0 {
			c.bootLocked(i)
			continue
		}
		c.eng.At(c.cfg.BootDelays[i], func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			// Restart may have booted it already; Stop may have come first.
			if c.peers[i] == nil && !c.stopped {
				c.bootLocked(i)
			}
		})
	}
}

func (c *Cluster) bootLocked(i int) {
	disk := c.net.stores[i]
	inc := &incarnation{id: i,
		persister: &persister{s: disk, fsync: c.fsync, clock: c.eng},
		clock:     &peerRuntime{timers: c.peerTimers, eng: c.eng, disk: disk}}
	var last raft.LogPosition
	if len(c.cfg.LastLog) > 0 {
		last = c.cfg.LastLog[i]
	}
	rf, err := raft.Make(i, c.cfg.Nodes, c.cfg.Raft, raft.Deps{
		Runtime:   inc.clock,
		Transport: &endpoint{n: c.net, inc: inc},
		Persister: inc.persister,
		Observer:  &observer{c: c, inc: inc},
		LastLog:   last,
		Tracing:   c.peerTracing(i),
	})
	if err != nil {
		// The config was validated and the disk written only by raft itself.
		panic(fmt.Sprintf("sim: booting peer %d: %v", i, err))
	}
	inc.rf = rf
	c.peers[i] = inc
	c.net.mu.Lock()
	c.net.current[i] = inc
	c.net.mu.Unlock()
	rf.Start()
}

func (c *Cluster) peerTracing(i int) *raft.Tracing {
	t := c.cfg.Tracing
	if t == nil || t.Peer == nil {
		return nil
	}
	epoch := t.Epoch
	if c.cfg.Runtime == Realtime {
		// Real time starts when the runtime was made, not at the epoch given.
		epoch = c.eng.(*realtime).start
	}
	return &raft.Tracing{Tracer: t.Peer(i), Context: t.Context, Epoch: epoch, Record: t.Record}
}

// Now is the time elapsed since Start (virtual or real).
func (c *Cluster) Now() time.Duration { return c.eng.Now() }

// RunFor lets d of time pass (virtual time runs as fast as it can). It
// returns early on a safety violation.
func (c *Cluster) RunFor(d time.Duration) {
	c.run(d)
}

// RunUntil runs for at most d, stopping as soon as stop returns true for an
// event. It reports whether stop did. stop runs with a peer's lock held: it
// must not call back into the cluster.
func (c *Cluster) RunUntil(d time.Duration, stop func(Event) bool) bool {
	stopped := false
	c.obsMu.Lock()
	c.stopIf = func(e Event) bool {
		if stop(e) {
			stopped = true
		}
		return stopped
	}
	c.obsMu.Unlock()
	c.run(d)
	c.obsMu.Lock()
	defer c.obsMu.Unlock()
	c.stopIf = nil
	return stopped
}

func (c *Cluster) run(d time.Duration) {
	if !c.started {
		c.Start()
	}
	if c.runErr != nil || c.mon.err() != nil {
		return
	}
	if rt, ok := c.eng.(*realtime); ok {
		// A stop condition may have halted again after the last run
		// returned; that halt must not cut this run short.
		select {
		case <-rt.halt:
		default:
		}
	}
	if err := c.eng.RunFor(d); err != nil {
		c.runErr = err
	}
}

// State returns peer i's term and whether it believes it leads. A crashed
// peer reports the term on its disk and false.
func (c *Cluster) State(i int) (term int, isLeader bool) {
	if i < 0 || i >= c.cfg.Nodes {
		return 0, false
	}
	c.mu.Lock()
	inc := c.peers[i]
	c.mu.Unlock()
	if inc == nil || inc.dead.Load() {
		term, _, _ := raft.DecodeState(c.net.stores[i].read())
		return term, false
	}
	return inc.rf.GetState()
}

// Leader returns the live peer that believes it leads the highest term.
func (c *Cluster) Leader() (id int, ok bool) { return LeaderOf(c.cfg.Nodes, c.State) }

// LeaderOf is, of n peers whose state says whether they lead (a crashed
// peer never does), the one that leads the highest term.
func LeaderOf(n int, state func(i int) (term int, isLeader bool)) (id int, ok bool) {
	best, id := -1, -1
	for i := range n {
		if term, lead := state(i); lead && term > best {
			best, id = term, i
		}
	}
	return id, id >= 0
}

// Alive reports whether peer i is running (started and not crashed).
func (c *Cluster) Alive(i int) bool {
	if i < 0 || i >= c.cfg.Nodes {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peers[i] != nil && !c.peers[i].dead.Load()
}

func (c *Cluster) checkPeer(op string, i int) error {
	if i < 0 || i >= c.cfg.Nodes {
		return fmt.Errorf("sim: %s(%d): no such peer; want 0..%d", op, i, c.cfg.Nodes-1)
	}
	return nil
}

// Crash stops peer i as a power failure would: its goroutines end, its
// messages in flight still arrive, and it keeps only what it persisted.
func (c *Cluster) Crash(i int) error {
	if err := c.checkPeer("Crash", i); err != nil {
		return err
	}
	c.mu.Lock()
	inc := c.peers[i]
	if inc == nil || inc.dead.Load() {
		c.mu.Unlock()
		return fmt.Errorf("sim: Crash(%d): peer is not running", i)
	}
	inc.dead.Store(true)
	inc.persister.dead.Store(true)
	c.mu.Unlock()
	inc.rf.Kill()
	c.net.mu.Lock()
	c.net.current[i] = nil
	c.net.mu.Unlock()
	c.fault(i, "crash")
	return nil
}

// Restart boots a crashed peer from its persisted state.
func (c *Cluster) Restart(i int) error {
	if err := c.checkPeer("Restart", i); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return fmt.Errorf("sim: Restart(%d): the cluster has not started", i)
	}
	if inc := c.peers[i]; inc != nil && !inc.dead.Load() {
		return fmt.Errorf("sim: Restart(%d): peer is running; Crash it first", i)
	}
	c.fault(i, "restart")
	c.bootLocked(i)
	return nil
}

// Disconnect cuts peer i off the network: it sends and receives nothing.
func (c *Cluster) Disconnect(i int) error { return c.setConnected("Disconnect", i, false) }

// Connect puts a disconnected peer back on the network.
func (c *Cluster) Connect(i int) error { return c.setConnected("Connect", i, true) }

func (c *Cluster) setConnected(op string, i int, up bool) error {
	if err := c.checkPeer(op, i); err != nil {
		return err
	}
	c.rewire(i, func(w *Wiring) string { return w.SetConnected(i, up) })
	return nil
}

// Partition splits the network into groups that cannot reach each other.
// Peers named in no group are each isolated on their own.
func (c *Cluster) Partition(groups ...[]int) error {
	if _, err := PartitionGroups(c.cfg.Nodes, groups...); err != nil {
		return err
	}
	c.rewire(-1, func(w *Wiring) string { return w.Partition(groups...) })
	return nil
}

// CutLink makes the link from one peer to another carry nothing, in that
// direction only: from's requests and replies to to are lost, to's still
// reach from. A one-way fault, as a misconfigured firewall or a failing
// NIC queue makes.
func (c *Cluster) CutLink(from, to int) error { return c.setCut("CutLink", from, to, true) }

// RestoreLink undoes CutLink.
func (c *Cluster) RestoreLink(from, to int) error { return c.setCut("RestoreLink", from, to, false) }

func (c *Cluster) setCut(op string, from, to int, cut bool) error {
	if err := CheckLink(c.cfg.Nodes, from, to); err != nil {
		return fmt.Errorf("sim: %s(%d, %d): %w", op, from, to, err)
	}
	c.rewire(-1, func(w *Wiring) string { return w.SetCut(from, to, cut) })
	return nil
}

// rewire applies one fault to the links and puts it on the timeline, on
// peer (-1: the network).
func (c *Cluster) rewire(peer int, fault func(*Wiring) string) {
	c.net.mu.Lock()
	what := fault(c.net.wires)
	c.net.mu.Unlock()
	c.fault(peer, what)
}

// PartitionGroups gives each of n peers the number of its group: the
// groups given, then each peer named in none on its own. Two peers can talk
// only if their numbers are equal.
func PartitionGroups(n int, groups ...[]int) ([]int, error) {
	assign := make([]int, n)
	for i := range assign {
		assign[i] = -1
	}
	for g, members := range groups {
		for _, p := range members {
			if p < 0 || p >= n {
				return nil, fmt.Errorf("sim: Partition(%d): no such peer; want 0..%d", p, n-1)
			}
			if assign[p] >= 0 {
				return nil, fmt.Errorf("sim: Partition: peer %d is in two groups", p)
			}
			assign[p] = g
		}
	}
	next := len(groups)
	for i := range assign {
		if assign[i] < 0 {
			assign[i] = next
			next++
		}
	}
	return assign, nil
}

// Heal removes any partition (disconnected peers stay disconnected).
func (c *Cluster) Heal() { c.rewire(-1, (*Wiring).Heal) }

// Stats returns the RPC counters so far.
func (c *Cluster) Stats() Stats {
	c.net.mu.Lock()
	defer c.net.mu.Unlock()
	return Stats{AppendEntries: c.net.stats[AppendEntries], RequestVote: c.net.stats[RequestVote]}
}

// Cancel makes the current run, and every later one, stop at once: Err then
// reports ErrCancelled. It may be called from any goroutine (a sweep's
// context: see context.AfterFunc); it only aborts, so a run that is not
// cancelled is unchanged.
func (c *Cluster) Cancel() { c.eng.Cancel() }

// Err reports safety violations, a stuck virtual-time run, a run over its
// Budget and a cancelled one.
func (c *Cluster) Err() error {
	return errors.Join(c.mon.err(), c.runErr)
}

// Events returns the recorded timeline (Config.Record), in time order. A
// peer's events are stamped with its own clock, which reads past a write in
// progress (a vote is at the moment it is on disk), so they are recorded up
// to a write's time before events stamped earlier; the timeline puts them in
// place (events at one instant keep the order they happened in).
func (c *Cluster) Events() []Event {
	c.evMu.Lock()
	defer c.evMu.Unlock()
	ev := slices.Clone(c.events)
	slices.SortStableFunc(ev, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
	return ev
}

// Stop ends every peer and every goroutine the cluster started.
func (c *Cluster) Stop() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	// After a stuck run a goroutine may hold a peer's lock forever, and
	// Kill takes that lock: only mark the peers dead then. (A run stopped by
	// its budget or a cancel stopped between events: no lock is held.)
	var stuckErr *vtime.StuckError
	stuck := errors.As(c.runErr, &stuckErr)
	for _, inc := range c.peers {
		if inc != nil {
			inc.dead.Store(true)
			inc.persister.dead.Store(true)
			if !stuck {
				inc.rf.Kill()
			}
		}
	}
	c.mu.Unlock()
	c.eng.Stop()
}

func (c *Cluster) fault(peer int, what string) {
	c.emit(Event{At: c.eng.Now(), Kind: Fault, Peer: peer, Fault: what})
}

func (c *Cluster) rpcDone(from, to, term int, kind RPCKind, outcome Outcome) {
	c.emit(Event{At: c.eng.Now(), Kind: RPCDone, Peer: from, Other: to, Term: term, RPC: kind, Outcome: outcome})
}

// emit records e and checks RunUntil's stop condition.
func (c *Cluster) emit(e Event) {
	if c.cfg.Record {
		c.evMu.Lock()
		c.events = append(c.events, e)
		c.evMu.Unlock()
	}
	c.obsMu.Lock()
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(e)
	}
	if c.stopIf != nil && c.stopIf(e) {
		c.eng.Halt()
	}
	c.obsMu.Unlock()
}

// observer forwards one incarnation's reports to the monitor and timeline;
// reports from a crashed incarnation's leftover goroutines are ignored.
type observer struct {
	c   *Cluster
	inc *incarnation
}

func (o *observer) StateChanged(peer, term int, role raft.Role) {
	if o.inc.dead.Load() {
		return
	}
	now := o.inc.clock.Now()
	o.c.mon.stateChanged(now, peer, term, role)
	o.c.emit(Event{At: now, Kind: StateChange, Peer: peer, Term: term, Role: role})
}

func (o *observer) VoteGranted(peer, term, candidate int) {
	if o.inc.dead.Load() {
		return
	}
	now := o.inc.clock.Now()
	o.c.mon.voteGranted(now, peer, term, candidate)
	o.c.emit(Event{At: now, Kind: Vote, Peer: peer, Term: term, Other: candidate})
}

func (o *observer) HeartbeatRound(leader, term int) {
	if o.inc.dead.Load() {
		return
	}
	o.c.emit(Event{At: o.inc.clock.Now(), Kind: HeartbeatRound, Peer: leader, Term: term})
}

func (o *observer) HeartbeatAccepted(peer, term, leader int) {
	if o.inc.dead.Load() {
		return
	}
	o.c.emit(Event{At: o.inc.clock.Now(), Kind: Heartbeat, Peer: peer, Term: term, Other: leader})
}

// Budget bounds a virtual-time run's work (see vtime.Budget).
type Budget = vtime.Budget

// BudgetError reports a run that exceeded its Budget.
type BudgetError = vtime.BudgetError

// ErrCancelled is the error of a run stopped by Cancel.
var ErrCancelled = vtime.ErrCancelled
