package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/sim"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// network is the driver's side of every peer-to-peer link: one proxy per
// directed link (a gRPC server the sender dials as if it were the target),
// where the simulator's network model is applied to real calls. A request
// and its reply each pay a latency draw and may be lost; a partition or a
// disconnected peer makes the link unreachable; a call that would outlast
// the caller's RPC timeout times out. These are the rules of sim's network,
// read from the same sim.Network, so -latency and -loss mean the same in
// both worlds. The proxy also counts every call, as sim.Stats, and reports
// its outcome on the timeline.
type network struct {
	timeout time.Duration
	now     func() time.Duration
	emit    func(sim.Event)

	mu      sync.Mutex
	wires   *sim.Wiring         // guarded by mu
	targets []livepb.RaftClient // the current incarnation of each peer; nil while down
	stats   [2]sim.RPCStats

	servers []*grpc.Server
	addrs   [][]string // addrs[from][to]: the proxy from dials to reach to
}

func newNetwork(n int, cfg sim.Network, seed uint64, host string, now func() time.Duration, emit func(sim.Event)) (*network, error) {
	if host == "" {
		host = "127.0.0.1"
	}
	timeout := cfg.RPCTimeout
	if timeout == 0 {
		timeout = sim.DefaultRPCTimeout
	}
	nw := &network{
		timeout: timeout, now: now, emit: emit,
		wires:   sim.NewWiring(n, cfg, sim.NetworkRNG(seed)),
		targets: make([]livepb.RaftClient, n),
		addrs:   make([][]string, n),
	}
	for i := range n {
		nw.addrs[i] = make([]string, n)
		for j := range n {
			if i == j {
				continue
			}
			ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
			if err != nil {
				nw.close()
				return nil, fmt.Errorf("link proxy %d->%d: %w", i, j, err)
			}
			srv := grpc.NewServer()
			livepb.RegisterRaftServer(srv, &link{nw: nw, from: i, to: j})
			go srv.Serve(ln)
			nw.servers = append(nw.servers, srv)
			nw.addrs[i][j] = ln.Addr().String()
		}
	}
	return nw, nil
}

func (nw *network) close() {
	for _, s := range nw.servers {
		s.Stop()
	}
}

// setTarget points every link into peer i at its current incarnation (nil:
// down).
func (nw *network) setTarget(i int, c livepb.RaftClient) {
	nw.mu.Lock()
	nw.targets[i] = c
	nw.mu.Unlock()
}

func (nw *network) counts() sim.Stats {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return sim.Stats{AppendEntries: nw.stats[sim.AppendEntries], RequestVote: nw.stats[sim.RequestVote]}
}

// link is the proxy of one directed link.
type link struct {
	livepb.UnimplementedRaftServer
	nw       *network
	from, to int
}

func (l *link) RequestVote(ctx context.Context, in *livepb.RequestVoteArgs) (*livepb.RequestVoteReply, error) {
	var out *livepb.RequestVoteReply
	err := l.carry(ctx, sim.RequestVote, int(in.Term), func(ctx context.Context, c livepb.RaftClient) (err error) {
		out, err = c.RequestVote(ctx, in)
		return err
	})
	return out, err
}

func (l *link) AppendEntries(ctx context.Context, in *livepb.AppendEntriesArgs) (*livepb.AppendEntriesReply, error) {
	var out *livepb.AppendEntriesReply
	err := l.carry(ctx, sim.AppendEntries, int(in.Term), func(ctx context.Context, c livepb.RaftClient) (err error) {
		out, err = c.AppendEntries(ctx, in)
		return err
	})
	return out, err
}

var errDropped = status.Error(codes.Unavailable, "dropped by the link")

// carry takes one call across the link. The call is detached from the
// caller's connection: a request in flight when its sender is killed still
// arrives, as in the simulator and on a real wire.
func (l *link) carry(callerCtx context.Context, kind sim.RPCKind, term int, forward func(context.Context, livepb.RaftClient) error) error {
	nw := l.nw
	deadline, ok := callerCtx.Deadline()
	if !ok {
		deadline = time.Now().Add(nw.timeout)
	}
	trace := incoming(callerCtx)
	done := func(o sim.Outcome) error {
		nw.mu.Lock()
		if o == sim.Replied {
			nw.stats[kind].Replied++
		} else {
			nw.stats[kind].Dropped++
		}
		nw.mu.Unlock()
		nw.emit(sim.Event{At: nw.now(), Kind: sim.RPCDone, Peer: l.from, Other: l.to, Term: term, RPC: kind, Outcome: o})
		if o == sim.Replied {
			return nil
		}
		return errDropped
	}

	nw.mu.Lock()
	nw.stats[kind].Sent++
	outcome := sim.Replied
	switch {
	case !nw.wires.Up(l.from, l.to):
		outcome = sim.Unreachable
	case nw.wires.Lost():
		outcome = sim.LostRequest
	}
	var delay time.Duration
	if outcome == sim.Replied {
		delay = nw.wires.Latency(l.from, l.to)
	}
	nw.mu.Unlock()
	if outcome != sim.Replied {
		return done(outcome)
	}
	if time.Now().Add(delay).After(deadline) {
		// The caller gives up first, but the request still arrives.
		go func() {
			time.Sleep(delay)
			ctx, cancel := context.WithTimeout(outgoing(trace), nw.timeout)
			defer cancel()
			l.deliver(ctx, kind, forward)
		}()
		return done(sim.TimedOut)
	}
	time.Sleep(delay)
	ctx, cancel := context.WithDeadline(outgoing(trace), deadline)
	defer cancel()
	if outcome = l.deliver(ctx, kind, forward); outcome != sim.Replied {
		return done(outcome)
	}

	nw.mu.Lock()
	switch {
	case !nw.wires.Up(l.to, l.from):
		outcome = sim.Unreachable
	case nw.wires.Lost():
		outcome = sim.LostReply
	}
	if outcome == sim.Replied {
		delay = nw.wires.Latency(l.to, l.from)
		if time.Now().Add(delay).After(deadline) {
			outcome = sim.TimedOut
		}
	}
	nw.mu.Unlock()
	if outcome != sim.Replied {
		return done(outcome)
	}
	time.Sleep(delay)
	nw.mu.Lock()
	if !nw.wires.Up(l.to, l.from) {
		outcome = sim.Unreachable // cut while the reply was in flight
	}
	nw.mu.Unlock()
	return done(outcome)
}

// deliver hands the request to the target's current incarnation.
func (l *link) deliver(ctx context.Context, kind sim.RPCKind, forward func(context.Context, livepb.RaftClient) error) sim.Outcome {
	nw := l.nw
	nw.mu.Lock()
	target := nw.targets[l.to]
	up := nw.wires.Up(l.from, l.to)
	nw.mu.Unlock()
	switch {
	case target == nil:
		return sim.TargetDown
	case !up:
		return sim.Unreachable
	}
	err := forward(ctx, target)
	switch {
	case err == nil:
		nw.mu.Lock()
		nw.stats[kind].Delivered++
		nw.mu.Unlock()
		return sim.Replied
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded:
		return sim.TimedOut
	default:
		return sim.TargetDown // refused or reset: the process is gone
	}
}
