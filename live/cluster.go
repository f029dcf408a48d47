package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
)

// Config describes a cluster of peer processes and the network between
// them. Its fields mean what sim.Config's fields of the same names mean.
type Config struct {
	Nodes      int
	Seed       uint64 // seeds the peers' timeouts and the links' draws
	Raft       raft.Config
	Network    sim.Network
	LastLog    []raft.LogPosition
	BootDelays []time.Duration
	Record     bool
	OnEvent    func(sim.Event)
	// Launcher starts the peer processes.
	Launcher Launcher
	// LinkHost is the address the links' proxies listen on: one every
	// peer's host can reach (empty: 127.0.0.1, for peers on this host).
	LinkHost string
	// Trace, if not nil, has every peer send its spans to an OTLP
	// receiver, under a parent span of the driver's.
	Trace *Trace
}

// Trace is where peer processes send their spans.
type Trace struct {
	Endpoint, Protocol string          // an OTLP receiver, as traces.Config takes it
	Parent             context.Context // holds the span the peers' rounds hang from
}

func (c *Config) validate() error {
	if c.Nodes < 1 {
		return fmt.Errorf("live config: Nodes is %d; want at least 1", c.Nodes)
	}
	if c.Raft == (raft.Config{}) {
		c.Raft = raft.DefaultConfig()
	}
	if err := c.Raft.Validate(); err != nil {
		return fmt.Errorf("live config: %w", err)
	}
	if len(c.LastLog) != 0 && len(c.LastLog) != c.Nodes {
		return fmt.Errorf("live config: LastLog has %d positions for %d nodes; want none or one per node", len(c.LastLog), c.Nodes)
	}
	if len(c.BootDelays) != 0 && len(c.BootDelays) != c.Nodes {
		return fmt.Errorf("live config: BootDelays has %d delays for %d nodes; want none or one per node", len(c.BootDelays), c.Nodes)
	}
	if c.Launcher == nil {
		return errors.New("live config: no Launcher")
	}
	return nil
}

// Cluster is a set of Raft peers running as processes, driven on the wall
// clock. Its methods are sim.Cluster's, so bench's scenarios drive either.
// What it reports of a peer (State, Leader) is what that peer's events have
// said so far, which is also what its RunUntil conditions see.
type Cluster struct {
	cfg   Config
	start time.Time
	net   *network
	mon   *sim.SafetyMonitor

	ctx    context.Context // cancelled by Cancel and Stop
	cancel context.CancelFunc

	mu      sync.Mutex
	peers   []*incarnation
	started bool
	stopped bool
	err     error // the first thing that broke the run
	term    []int
	leading []bool

	inbox   *queue[sim.Event] // events from the peers' streams and the links
	pending []sim.Event       // taken from the inbox, not yet handled (RunUntil's goroutine only)
	events  []sim.Event       // recorded, when Config.Record
}

// incarnation is one life of a peer process.
type incarnation struct {
	id      int
	proc    Process
	conn    *grpc.ClientConn
	control livepb.ControlClient
	crashed bool // killed by the driver
	stream  context.CancelFunc
}

// NewCluster builds a cluster; nothing runs until Start.
func NewCluster(cfg Config) (*Cluster, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cluster{
		cfg: cfg, mon: sim.NewSafetyMonitor(cfg.Nodes), ctx: ctx, cancel: cancel,
		peers: make([]*incarnation, cfg.Nodes), term: make([]int, cfg.Nodes), leading: make([]bool, cfg.Nodes),
		inbox: newQueue[sim.Event](),
	}
	nw, err := newNetwork(cfg.Nodes, cfg.Network, cfg.Seed, cfg.LinkHost, c.Now, c.inbox.put)
	if err != nil {
		cancel()
		return nil, err
	}
	c.net = nw
	return c, nil
}

// Now is the wall time since Start.
func (c *Cluster) Now() time.Duration {
	c.mu.Lock()
	start := c.start
	c.mu.Unlock()
	if start.IsZero() {
		return 0
	}
	return time.Since(start)
}

// Start launches every peer, configures it and starts its timers (after its
// boot delay). Time zero is the moment the peers are configured.
func (c *Cluster) Start() error {
	c.mu.Lock()
	if c.started {
		c.mu.Unlock()
		return nil
	}
	c.started = true
	c.mu.Unlock()
	incs := make([]*incarnation, c.cfg.Nodes)
	errs := make([]error, c.cfg.Nodes)
	var wg sync.WaitGroup
	for i := range c.cfg.Nodes {
		wg.Go(func() { incs[i], errs[i] = c.launch(i) })
	}
	wg.Wait()
	c.mu.Lock()
	copy(c.peers, incs)
	c.start = time.Now()
	c.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		c.fail(err)
		return err
	}
	for i, inc := range incs {
		var delay time.Duration
		if len(c.cfg.BootDelays) > 0 {
			delay = c.cfg.BootDelays[i]
		}
		if err := c.configure(inc, delay); err != nil {
			c.fail(err)
			return err
		}
	}
	return nil
}

// launch starts peer i's process, opens its event stream and points the
// links into it at it; the peer does nothing until configured.
func (c *Cluster) launch(i int) (*incarnation, error) {
	proc, err := c.cfg.Launcher.Launch(c.ctx, i)
	if err != nil {
		return nil, err
	}
	conn, err := dial(proc.Addr())
	if err != nil {
		proc.Kill()
		return nil, err
	}
	inc := &incarnation{id: i, proc: proc, conn: conn, control: livepb.NewControlClient(conn)}
	sctx, cancel := context.WithCancel(c.ctx)
	inc.stream = cancel
	stream, err := inc.control.Events(sctx, &livepb.EventsRequest{})
	if err != nil {
		cancel()
		proc.Kill()
		conn.Close()
		return nil, fmt.Errorf("peer %d: opening its events: %w", i, err)
	}
	go c.follow(inc, stream)
	go c.watchExit(inc)
	c.net.setTarget(i, livepb.NewRaftClient(conn))
	return inc, nil
}

func (c *Cluster) configure(inc *incarnation, delay time.Duration) error {
	i := inc.id
	cfg := &livepb.PeerConfig{
		PeerAddrs:                   c.net.addrs[i],
		HeartbeatIntervalNs:         int64(c.cfg.Raft.HeartbeatInterval),
		ElectionTimeoutMinNs:        int64(c.cfg.Raft.ElectionTimeoutMin),
		ElectionTimeoutMaxNs:        int64(c.cfg.Raft.ElectionTimeoutMax),
		ElectionTimeoutResolutionNs: int64(c.cfg.Raft.ElectionTimeoutResolution),
		RpcTimeoutNs:                int64(c.net.timeout),
		Seed:                        c.cfg.Seed*uint64(c.cfg.Nodes+1) + uint64(i) + 1,
		StartDelayNs:                int64(delay),
	}
	if len(c.cfg.LastLog) > 0 {
		cfg.LastLogIndex, cfg.LastLogTerm = int64(c.cfg.LastLog[i].Index), int64(c.cfg.LastLog[i].Term)
	}
	variantToWire(c.cfg.Raft, cfg)
	if t := c.cfg.Trace; t != nil {
		carrier := propagation.MapCarrier{}
		w3c.Inject(t.Parent, carrier)
		cfg.OtlpEndpoint, cfg.OtlpProtocol, cfg.TraceParent = t.Endpoint, t.Protocol, carrier.Get("traceparent")
	}
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	if _, err := inc.control.Configure(ctx, cfg); err != nil {
		return fmt.Errorf("peer %d: configure: %w", i, err)
	}
	return nil
}

// follow turns a peer's event stream into timeline events until the stream
// ends (the process died or the run is over).
func (c *Cluster) follow(inc *incarnation, stream livepb.Control_EventsClient) {
	for {
		e, err := stream.Recv()
		if err != nil {
			return
		}
		c.inbox.put(c.fromWire(e))
	}
}

// fromWire places a peer's event on the driver's timeline: its host's
// clock, less that clock's estimated offset from the driver's (none on
// this host).
func (c *Cluster) fromWire(e *livepb.Event) sim.Event {
	c.mu.Lock()
	start := c.start
	c.mu.Unlock()
	at := time.Unix(0, e.UnixNano).Add(-c.clockOffset(int(e.Peer)).Offset).Sub(start)
	ev := sim.Event{At: at, Peer: int(e.Peer), Term: int(e.Term), Other: int(e.Other)}
	switch e.Kind {
	case livepb.Event_STATE_CHANGE:
		ev.Kind, ev.Role = sim.StateChange, raft.Role(e.Role)
	case livepb.Event_VOTE:
		ev.Kind = sim.Vote
	case livepb.Event_HEARTBEAT:
		ev.Kind = sim.Heartbeat
	case livepb.Event_HEARTBEAT_ROUND:
		ev.Kind = sim.HeartbeatRound
	case livepb.Event_VOTE_SENT:
		c.mon.VoteSent(ev.At, ev.Peer, ev.Other, ev.Term, raft.EncodeState(int(e.DiskTerm), int(e.DiskVote)))
		ev.Kind = voteSent
	}
	return ev
}

// voteSent marks an event the driver checks but does not put on the
// timeline (sim has no such event: its monitor sees the wire).
const voteSent sim.EventKind = -1

// fail records the first error that breaks the run. Once the run is
// cancelled, whatever fails (a launch, a configure call cut short) fails
// because of the cancel, and says so.
func (c *Cluster) fail(err error) {
	if c.ctx.Err() != nil && !c.stoppedNow() {
		err = sim.ErrCancelled
	}
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
}

func (c *Cluster) stoppedNow() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped
}

// RunFor lets d of wall time pass, handling events as they come.
func (c *Cluster) RunFor(d time.Duration) { c.RunUntil(d, func(sim.Event) bool { return false }) }

// RunUntil runs for at most d, stopping as soon as stop returns true for an
// event, and reports whether it did. Events are handled in the order they
// reach the driver, each stamped with the time its peer saw it. A peer
// process that dies without being crashed, a safety violation or Cancel
// ends the run: Err says which.
func (c *Cluster) RunUntil(d time.Duration, stop func(sim.Event) bool) bool {
	if !c.started {
		if c.Start() != nil {
			return false
		}
	}
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if c.Err() != nil {
			return false
		}
		if len(c.pending) == 0 {
			c.pending = c.inbox.takeNow()
		}
		for len(c.pending) > 0 {
			e := c.pending[0]
			c.pending = c.pending[1:]
			if c.handle(e) && stop(e) {
				return true
			}
			if c.Err() != nil {
				return false
			}
		}
		select {
		case <-c.inbox.notify:
		case <-deadline.C:
			return false
		case <-c.ctx.Done():
			c.fail(sim.ErrCancelled)
			return false
		}
	}
}

// handle checks and records one event and tracks the peer's state; it
// reports whether the event belongs on the timeline.
func (c *Cluster) handle(e sim.Event) bool {
	if e.Kind == voteSent {
		return false
	}
	c.mon.Observe(e)
	if err := c.mon.Err(); err != nil {
		c.fail(err)
	}
	c.mu.Lock()
	if e.Kind == sim.StateChange && e.Peer >= 0 && e.Peer < c.cfg.Nodes {
		c.term[e.Peer], c.leading[e.Peer] = e.Term, e.Role == raft.Leader
	}
	if c.cfg.Record {
		c.events = append(c.events, e)
	}
	c.mu.Unlock()
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(e)
	}
	return true
}

// watchExit fails the run if inc's process ends without the driver having
// crashed it or stopped the cluster.
func (c *Cluster) watchExit(inc *incarnation) {
	<-inc.proc.Exited()
	c.mu.Lock()
	expected := inc.crashed || c.stopped
	c.mu.Unlock()
	if !expected {
		c.fail(fmt.Errorf("peer %d (pid %d) died: %s", inc.id, inc.proc.PID(), inc.proc.Why()))
		c.inbox.wake()
	}
}

// Err is what broke the run (a peer process that died, a safety violation,
// a cancel), or nil.
func (c *Cluster) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Cancel makes the current run, and every later one, stop at once; Err then
// reports sim.ErrCancelled. Any goroutine may call it.
func (c *Cluster) Cancel() { c.cancel() }

func (c *Cluster) checkPeer(op string, i int) error {
	if i < 0 || i >= c.cfg.Nodes {
		return fmt.Errorf("live: %s(%d): no such peer; want 0..%d", op, i, c.cfg.Nodes-1)
	}
	return nil
}

// State returns what peer i last reported: its term and whether it leads.
// A crashed peer reports its last term and false.
func (c *Cluster) State(i int) (term int, isLeader bool) {
	if i < 0 || i >= c.cfg.Nodes {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	alive := c.peers[i] != nil && !c.peers[i].crashed
	return c.term[i], alive && c.leading[i]
}

// Leader returns the live peer that last said it leads the highest term.
func (c *Cluster) Leader() (id int, ok bool) { return sim.LeaderOf(c.cfg.Nodes, c.State) }

// Alive reports whether peer i's process runs (started and not crashed).
func (c *Cluster) Alive(i int) bool {
	if i < 0 || i >= c.cfg.Nodes {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peers[i] != nil && !c.peers[i].crashed
}

// Crash kills peer i's process with SIGKILL: it keeps only what it synced
// to disk, and its calls already on a link still arrive.
func (c *Cluster) Crash(i int) error {
	if err := c.checkPeer("Crash", i); err != nil {
		return err
	}
	c.mu.Lock()
	inc := c.peers[i]
	if inc == nil || inc.crashed {
		c.mu.Unlock()
		return fmt.Errorf("live: Crash(%d): peer is not running", i)
	}
	inc.crashed = true
	c.mu.Unlock()
	c.net.setTarget(i, nil)
	at := c.Now()
	err := inc.proc.Kill()
	c.inbox.put(sim.Event{At: at, Kind: sim.Fault, Peer: i, Fault: "crash"})
	inc.stream()
	inc.conn.Close()
	if err != nil {
		return fmt.Errorf("live: Crash(%d): killing pid %d: %w", i, inc.proc.PID(), err)
	}
	return nil
}

// Restart starts a crashed peer's process again on its data directory.
func (c *Cluster) Restart(i int) error {
	if err := c.checkPeer("Restart", i); err != nil {
		return err
	}
	c.mu.Lock()
	inc := c.peers[i]
	started := c.started
	c.mu.Unlock()
	if !started {
		return fmt.Errorf("live: Restart(%d): the cluster has not started", i)
	}
	if inc != nil && !inc.crashed {
		return fmt.Errorf("live: Restart(%d): peer is running; Crash it first", i)
	}
	c.fault(i, "restart")
	inc, err := c.launch(i)
	if err == nil {
		c.mu.Lock()
		c.peers[i] = inc
		c.mu.Unlock()
		err = c.configure(inc, 0)
	}
	if err != nil {
		err = fmt.Errorf("live: Restart(%d): %w", i, err)
		c.fail(err)
	}
	return err
}

// Disconnect cuts peer i off the network: it sends and receives nothing.
func (c *Cluster) Disconnect(i int) error { return c.setConnected("Disconnect", i, false) }

// Connect puts a disconnected peer back on the network.
func (c *Cluster) Connect(i int) error { return c.setConnected("Connect", i, true) }

func (c *Cluster) setConnected(op string, i int, up bool) error {
	if err := c.checkPeer(op, i); err != nil {
		return err
	}
	c.rewire(i, func(w *sim.Wiring) string { return w.SetConnected(i, up) })
	return nil
}

// Partition splits the network into groups that cannot reach each other;
// peers named in no group are each isolated on their own.
func (c *Cluster) Partition(groups ...[]int) error {
	if _, err := sim.PartitionGroups(c.cfg.Nodes, groups...); err != nil {
		return err
	}
	c.rewire(-1, func(w *sim.Wiring) string { return w.Partition(groups...) })
	return nil
}

// CutLink makes the link from one peer to another carry nothing, in that
// direction only (see sim.Cluster.CutLink).
func (c *Cluster) CutLink(from, to int) error { return c.setCut("CutLink", from, to, true) }

// RestoreLink undoes CutLink.
func (c *Cluster) RestoreLink(from, to int) error { return c.setCut("RestoreLink", from, to, false) }

func (c *Cluster) setCut(op string, from, to int, cut bool) error {
	if err := sim.CheckLink(c.cfg.Nodes, from, to); err != nil {
		return fmt.Errorf("live: %s(%d, %d): %w", op, from, to, err)
	}
	c.rewire(-1, func(w *sim.Wiring) string { return w.SetCut(from, to, cut) })
	return nil
}

// Heal removes any partition (disconnected peers stay disconnected).
func (c *Cluster) Heal() { c.rewire(-1, (*sim.Wiring).Heal) }

// rewire applies one fault to the links' proxies and puts it on the
// timeline, on peer (-1: the network).
func (c *Cluster) rewire(peer int, fault func(*sim.Wiring) string) {
	c.net.mu.Lock()
	what := fault(c.net.wires)
	c.net.mu.Unlock()
	c.fault(peer, what)
}

// Stats returns the RPC counts the links have seen.
func (c *Cluster) Stats() sim.Stats { return c.net.counts() }

// Events returns the recorded timeline (Config.Record) in time order.
func (c *Cluster) Events() []sim.Event {
	c.mu.Lock()
	ev := slices.Clone(c.events)
	c.mu.Unlock()
	slices.SortStableFunc(ev, func(a, b sim.Event) int { return cmp.Compare(a.At, b.At) })
	return ev
}

// fault puts an injected fault on the timeline (and through the run's
// event handling, like any other event).
func (c *Cluster) fault(peer int, what string) {
	c.inbox.put(sim.Event{At: c.Now(), Kind: sim.Fault, Peer: peer, Fault: what})
}

// Stop ends every peer process: a clean shutdown first, then SIGKILL by
// process id for any that is still there after a second, and closes the
// links. It returns once every process is gone.
func (c *Cluster) Stop() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	peers := slices.Clone(c.peers)
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, inc := range peers {
		if inc == nil || inc.crashed {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			inc.control.Shutdown(ctx, &livepb.ShutdownRequest{})
			cancel()
			t := time.NewTimer(time.Second)
			select {
			case <-inc.proc.Exited():
			case <-t.C:
			}
			t.Stop()
			inc.proc.Kill()
			inc.stream()
			inc.conn.Close()
		})
	}
	wg.Wait()
	c.cancel()
	c.net.close()
}

// hostClocks is a Launcher whose peers may run on other hosts' clocks.
type hostClocks interface {
	ClockOffset(id int) ClockOffset
}

func (c *Cluster) clockOffset(peer int) ClockOffset {
	if h, ok := c.cfg.Launcher.(hostClocks); ok && peer >= 0 && peer < c.cfg.Nodes {
		return h.ClockOffset(peer)
	}
	return ClockOffset{}
}

// ClockUncertainty bounds how far two events of different peers may be
// misplaced against each other on the timeline by the clock offset
// estimates: the sum of the two largest uncertainties (zero when every peer
// runs on the driver's host and clock).
func (c *Cluster) ClockUncertainty() time.Duration {
	var first, second time.Duration
	for i := range c.cfg.Nodes {
		u := c.clockOffset(i).Uncertainty
		switch {
		case u > first:
			first, second = u, first
		case u > second:
			second = u
		}
	}
	return first + second
}

// variantToWire puts r's protocol variant on the wire, for the peer to
// rebuild with variantFromWire.
func variantToWire(r raft.Config, w *livepb.PeerConfig) {
	w.PreVote, w.CheckQuorum, w.LeaderStickiness = r.PreVote, r.CheckQuorum, r.LeaderStickiness
	if t := r.Ticks; t != nil {
		w.TickNs, w.HeartbeatTick, w.ElectionTick = int64(t.Tick), int32(t.HeartbeatTick), int32(t.ElectionTick)
	}
	if h := r.Hashicorp; h != nil {
		w.HeartbeatTimeoutNs, w.ElectionTimeoutNs, w.LeaderLeaseTimeoutNs = int64(h.HeartbeatTimeout), int64(h.ElectionTimeout), int64(h.LeaderLeaseTimeout)
	}
}

// variantFromWire sets the variant a driver sent on r.
func variantFromWire(w *livepb.PeerConfig, r *raft.Config) {
	r.PreVote, r.CheckQuorum, r.LeaderStickiness = w.PreVote, w.CheckQuorum, w.LeaderStickiness
	if w.TickNs != 0 {
		r.Ticks = &raft.Ticks{Tick: time.Duration(w.TickNs), HeartbeatTick: int(w.HeartbeatTick), ElectionTick: int(w.ElectionTick)}
	}
	if w.HeartbeatTimeoutNs != 0 {
		r.Hashicorp = &raft.HashicorpTiming{HeartbeatTimeout: time.Duration(w.HeartbeatTimeoutNs),
			ElectionTimeout: time.Duration(w.ElectionTimeoutNs), LeaderLeaseTimeout: time.Duration(w.LeaderLeaseTimeoutNs)}
	}
}
