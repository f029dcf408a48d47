package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/raftbench/raftbench/raft"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// DefaultRPCTimeout is how long a call whose request or reply is lost takes
// to return false, when Network.RPCTimeout is zero.
const DefaultRPCTimeout = 500 * time.Millisecond

// Network describes the simulated network between peers.
type Network struct {
	// Latency is the one-way delay of every message (nil: no delay).
	Latency Latency
	// Links overrides Latency for messages sent From one peer To another.
	Links map[Link]Latency
	// Loss is the probability that any one message, request or reply, is
	// lost; each message is lost independently. In [0, 1).
	Loss float64
	// RPCTimeout is when a call that got no reply returns false, counted from
	// the call (zero: DefaultRPCTimeout). A reply that would arrive later is
	// dropped.
	RPCTimeout time.Duration
}

// Link is a directed pair of peers.
type Link struct{ From, To int }

func (n Network) validate(nodes int) error {
	if n.Latency != nil {
		if err := n.Latency.Validate(); err != nil {
			return fmt.Errorf("sim config: Network.Latency: %w", err)
		}
	}
	for l, lat := range n.Links {
		if l.From < 0 || l.From >= nodes || l.To < 0 || l.To >= nodes {
			return fmt.Errorf("sim config: Network.Links: link %d->%d names a peer outside 0..%d", l.From, l.To, nodes-1)
		}
		if lat == nil {
			return fmt.Errorf("sim config: Network.Links: link %d->%d has no latency model", l.From, l.To)
		}
		if err := lat.Validate(); err != nil {
			return fmt.Errorf("sim config: Network.Links %d->%d: %w", l.From, l.To, err)
		}
	}
	if !(n.Loss >= 0 && n.Loss < 1) {
		return fmt.Errorf("sim config: Network.Loss is %v; want a probability in [0, 1)", n.Loss)
	}
	if n.RPCTimeout < 0 {
		return fmt.Errorf("sim config: Network.RPCTimeout is %v; want 0 (default %v) or more", n.RPCTimeout, DefaultRPCTimeout)
	}
	return nil
}

// RPCStats counts one kind of RPC.
type RPCStats struct {
	Sent      int // calls made by live peers
	Delivered int // requests that reached a live peer's handler
	Replied   int // calls whose reply came back in time (returned true)
	Dropped   int // calls that returned false: lost, unreachable, target down or late
}

// Stats counts RPCs by kind.
type Stats struct {
	AppendEntries RPCStats
	RequestVote   RPCStats
}

// network carries RPCs between the current incarnations of the peers.
type network struct {
	timeout time.Duration
	rt      raft.Runtime
	c       *Cluster

	mu      sync.Mutex
	wires   *Wiring        // guarded by mu
	current []*incarnation // nil while crashed
	stores  []*store
	stats   [2]RPCStats
}

// endpoint is one incarnation's view of the network; it implements
// raft.Transport so that a crashed incarnation can send nothing.
type endpoint struct {
	n   *network
	inc *incarnation
}

// acrossTheWire is the context a handler sees: only the W3C trace context
// survives the trip, carried in headers as a real RPC transport would.
func acrossTheWire(ctx context.Context) context.Context {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return context.Background()
	}
	headers := propagation.MapCarrier{}
	w3c.Inject(ctx, headers)
	return w3c.Extract(context.Background(), headers)
}

var w3c = propagation.TraceContext{}

func (e *endpoint) RequestVote(ctx context.Context, from, to int, args *raft.RequestVoteArgs, reply *raft.RequestVoteReply) bool {
	ok := e.n.call(e.inc, RequestVote, from, to, args.Term, func(target *incarnation) {
		target.rf.RequestVote(acrossTheWire(ctx), args, reply)
		// A granted pre-vote is, by design, written nowhere: only a real
		// vote must be on the voter's disk before its reply leaves.
		if reply.VoteGranted && !args.PreVote {
			// The vote must be among the peer's writes; the reply waits for
			// them to complete (deliver).
			e.n.c.mon.votePersisted(e.n.rt.Now(), to, args.CandidateId, reply.Term, e.n.stores[to].read())
		}
	})
	// The caller handles the outcome under its lock, which a write of its
	// own may still hold.
	e.inc.clock.waitDisk()
	return ok
}

func (e *endpoint) AppendEntries(ctx context.Context, from, to int, args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply) bool {
	ok := e.n.call(e.inc, AppendEntries, from, to, args.Term, func(target *incarnation) {
		target.rf.AppendEntries(acrossTheWire(ctx), args, reply)
	})
	e.inc.clock.waitDisk()
	return ok
}

// handler runs a request at its target.
type handler func(target *incarnation)

// rpc is one call in flight, from the moment its sender makes it.
type rpc struct {
	n        *network
	kind     RPCKind
	from, to int
	term     int           // the sender's term, for the timeline
	start    time.Duration // when the call was made
	handle   handler
	// abandoned: the caller has already given up (the request is slower
	// than the RPC timeout) but the request still arrives. Its handler
	// runs; nothing goes back and nothing more is counted against the call.
	abandoned bool
}

func (n *network) newRPC(kind RPCKind, from, to, term int, handle handler) *rpc {
	return &rpc{n: n, kind: kind, from: from, to: to, term: term, start: n.rt.Now(), handle: handle}
}

// call carries one RPC: the sender's pending writes (nothing leaves a peer
// before the state it depends on is on disk), request latency, the handler
// (run at the target once the request has arrived and the target's disk is
// idle), the writes the handler made, and reply latency. Lost or
// undeliverable calls return false when the RPC timeout expires, as labrpc
// does.
func (n *network) call(src *incarnation, kind RPCKind, from, to, term int, handle handler) bool {
	src.clock.waitDisk()
	if src.dead.Load() {
		return false // a crashed peer sends nothing
	}
	if to < 0 || to >= len(n.current) || to == from {
		panic(fmt.Sprintf("sim: peer %d sent %v to peer %d of %d", from, kind, to, len(n.current)))
	}
	return n.newRPC(kind, from, to, term, handle).send()
}

// send puts the request on the wire and waits for the call's outcome.
func (r *rpc) send() bool {
	n := r.n
	n.mu.Lock()
	n.stats[r.kind].Sent++
	outcome := Replied
	switch {
	case !n.wires.Up(r.from, r.to):
		outcome = Unreachable
	case n.wires.Lost():
		outcome = LostRequest
	}
	var delay time.Duration
	if outcome == Replied {
		delay = n.wires.Latency(r.from, r.to)
	}
	n.mu.Unlock()
	if outcome != Replied {
		return r.fail(outcome)
	}
	if delay >= n.timeout {
		// The caller gives up before the request arrives, but it still
		// arrives: deliver it from a task of its own.
		late := *r
		late.abandoned = true
		n.rt.Go(func() {
			n.rt.Sleep(delay)
			late.deliver()
		})
		return r.fail(TimedOut)
	}
	n.rt.Sleep(delay)
	return r.deliver()
}

// deliver runs a request that has just arrived and carries its reply back.
func (r *rpc) deliver() bool {
	n := r.n
	// A peer busy writing handles nothing until the write is done.
	waitForDisk(n.rt, n.stores[r.to])
	n.mu.Lock()
	target := n.current[r.to]
	outcome := Replied
	switch {
	case target == nil:
		outcome = TargetDown
	case !n.wires.Up(r.from, r.to):
		outcome = Unreachable
	}
	if outcome == Replied {
		n.stats[r.kind].Delivered++
	}
	n.mu.Unlock()
	if outcome != Replied {
		if r.abandoned {
			return false
		}
		return r.fail(outcome)
	}

	r.handle(target)
	// The reply leaves once what the handler wrote is on disk.
	waitForDisk(n.rt, n.stores[r.to])
	if r.abandoned {
		return false
	}

	n.mu.Lock()
	var delay time.Duration
	switch {
	case target.dead.Load():
		outcome = TargetDown // crashed before its reply left
	case !n.wires.Up(r.to, r.from):
		outcome = Unreachable
	case n.wires.Lost():
		outcome = LostReply
	}
	if outcome == Replied {
		delay = n.wires.Latency(r.to, r.from)
		if n.rt.Now()+delay-r.start > n.timeout {
			outcome = TimedOut
		}
	}
	n.mu.Unlock()
	if outcome != Replied {
		return r.fail(outcome)
	}

	n.rt.Sleep(delay)
	n.mu.Lock()
	if !n.wires.Up(r.to, r.from) {
		outcome = Unreachable // cut while the reply was in flight
	} else {
		n.stats[r.kind].Replied++
	}
	n.mu.Unlock()
	if outcome != Replied {
		return r.fail(outcome)
	}
	r.done(Replied)
	return true
}

// fail counts a dropped call and makes the caller wait out the RPC timeout.
func (r *rpc) fail(why Outcome) bool {
	n := r.n
	n.mu.Lock()
	n.stats[r.kind].Dropped++
	n.mu.Unlock()
	r.done(why)
	if wait := r.start + n.timeout - n.rt.Now(); wait > 0 {
		n.rt.Sleep(wait)
	}
	return false
}

// done records the call's outcome on the timeline.
func (r *rpc) done(outcome Outcome) {
	r.n.c.rpcDone(r.from, r.to, r.term, r.kind, outcome)
}
