package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
	"github.com/raftbench/raftbench/traces"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// PeerOptions are a peer process's command-line settings; everything about
// the protocol comes later from the driver (Configure).
type PeerOptions struct {
	// ID is the peer's index in its cluster.
	ID int
	// Listen is the address to serve on (host:port; port 0 picks a free
	// one).
	Listen string
	// DataDir holds the peer's term and vote.
	DataDir string
}

// ListeningPrefix starts the one line a peer prints on its standard output
// once it serves, followed by its address: the driver reads it to learn a
// port the kernel picked.
const ListeningPrefix = "raftbench peer listening on "

// ErrSetup marks a peer that could not start (its data directory or its
// address): a problem of the environment, not of Raft.
var ErrSetup = errors.New("peer setup")

// RunPeer runs one peer process until ctx is done or the driver shuts it
// down. It prints the listening line on stdout once it serves.
func RunPeer(ctx context.Context, o PeerOptions, stdout io.Writer) error {
	if o.ID < 0 {
		return fmt.Errorf("%w: -id is %d; want 0 or more", ErrSetup, o.ID)
	}
	persister, err := OpenFilePersister(o.DataDir)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSetup, err)
	}
	defer persister.Close()
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("%w: -listen %s: %v", ErrSetup, o.Listen, err)
	}
	p := &peer{id: o.ID, persister: persister, events: newEventQueue(), done: make(chan struct{})}
	srv := grpc.NewServer()
	livepb.RegisterRaftServer(srv, p)
	livepb.RegisterControlServer(srv, p)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(stdout, "%s%s\n", ListeningPrefix, ln.Addr()); err != nil {
		srv.Stop()
		return fmt.Errorf("%w: telling the driver the address: %v", ErrSetup, err)
	}
	select {
	case <-ctx.Done():
	case <-p.done:
	case err = <-served:
	}
	p.stop()
	srv.Stop()
	return err
}

// peer is one process's Raft peer and the two services it serves.
type peer struct {
	livepb.UnimplementedRaftServer
	livepb.UnimplementedControlServer

	id        int
	persister *FilePersister
	events    eventQueue

	mu        sync.Mutex
	rf        *raft.Raft
	clock     *sim.WallClock
	transport *transport
	tracing   *traces.Setup

	done     chan struct{} // closed by Shutdown
	doneOnce sync.Once
}

func (p *peer) raft() *raft.Raft {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rf
}

var errNotConfigured = status.Error(codes.Unavailable, "peer not configured yet")

func (p *peer) RequestVote(ctx context.Context, in *livepb.RequestVoteArgs) (*livepb.RequestVoteReply, error) {
	rf := p.raft()
	if rf == nil {
		return nil, errNotConfigured
	}
	args := raft.RequestVoteArgs{Term: int(in.Term), CandidateId: int(in.CandidateId), LastLogIndex: int(in.LastLogIndex), LastLogTerm: int(in.LastLogTerm),
		PreVote: in.PreVote}
	var reply raft.RequestVoteReply
	rf.RequestVote(incoming(ctx), &args, &reply)
	if reply.VoteGranted && !args.PreVote {
		// (A granted pre-vote is no vote: nothing is written for it.)
		// What the disk holds as the grant leaves, for the driver's
		// persist-before-reply check.
		term, vote, _ := raft.DecodeState(p.persister.ReadRaftState())
		p.events.push(&livepb.Event{Kind: livepb.Event_VOTE_SENT, Peer: int32(p.id), Term: int64(args.Term),
			Other: int32(args.CandidateId), DiskTerm: int64(term), DiskVote: int32(vote)})
	}
	return &livepb.RequestVoteReply{Term: int64(reply.Term), VoteGranted: reply.VoteGranted}, nil
}

func (p *peer) AppendEntries(ctx context.Context, in *livepb.AppendEntriesArgs) (*livepb.AppendEntriesReply, error) {
	rf := p.raft()
	if rf == nil {
		return nil, errNotConfigured
	}
	args := raft.AppendEntriesArgs{Term: int(in.Term), LeaderId: int(in.LeaderId)}
	var reply raft.AppendEntriesReply
	rf.AppendEntries(incoming(ctx), &args, &reply)
	return &livepb.AppendEntriesReply{Term: int64(reply.Term), Success: reply.Success}, nil
}

func (p *peer) Events(_ *livepb.EventsRequest, stream livepb.Control_EventsServer) error {
	for {
		batch := p.events.take(stream.Context())
		if batch == nil {
			return stream.Context().Err()
		}
		for _, e := range batch {
			if err := stream.Send(e); err != nil {
				return err
			}
		}
	}
}

// Configure makes and starts the peer's Raft.
func (p *peer) Configure(ctx context.Context, c *livepb.PeerConfig) (*livepb.ConfigureReply, error) {
	cfg := raft.Config{
		HeartbeatInterval:         time.Duration(c.HeartbeatIntervalNs),
		ElectionTimeoutMin:        time.Duration(c.ElectionTimeoutMinNs),
		ElectionTimeoutMax:        time.Duration(c.ElectionTimeoutMaxNs),
		ElectionTimeoutResolution: time.Duration(c.ElectionTimeoutResolutionNs),
	}
	variantFromWire(c, &cfg)
	n := len(c.PeerAddrs)
	switch {
	case p.id >= n:
		return nil, status.Errorf(codes.InvalidArgument, "peer %d of a %d-peer cluster", p.id, n)
	case c.RpcTimeoutNs <= 0:
		return nil, status.Errorf(codes.InvalidArgument, "rpc timeout %v; want more than 0", time.Duration(c.RpcTimeoutNs))
	case c.StartDelayNs < 0:
		return nil, status.Errorf(codes.InvalidArgument, "start delay %v; want 0 or more", time.Duration(c.StartDelayNs))
	}
	if err := cfg.Validate(); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rf != nil {
		return nil, status.Error(codes.FailedPrecondition, "peer already configured")
	}
	clock := sim.NewWallClock(c.Seed)
	t, err := newTransport(clock.Runtime(), p.id, c.PeerAddrs, time.Duration(c.RpcTimeoutNs))
	if err != nil {
		clock.Stop()
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	deps := raft.Deps{
		Runtime: clock.Runtime(), Transport: t, Persister: p.persister, Observer: observer{p.events},
		LastLog: raft.LogPosition{Index: int(c.LastLogIndex), Term: int(c.LastLogTerm)},
	}
	if c.OtlpEndpoint != "" {
		setup, err := traces.New(ctx, traces.Config{Endpoint: c.OtlpEndpoint, Protocol: c.OtlpProtocol, PassThrough: true})
		if err != nil {
			clock.Stop()
			t.close()
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		p.tracing = setup
		parent := w3c.Extract(context.Background(), propagation.MapCarrier{"traceparent": c.TraceParent})
		deps.Tracing = &raft.Tracing{Tracer: setup.Peer(p.id), Context: parent, Epoch: clock.Started()}
	}
	rf, err := raft.Make(p.id, n, cfg, deps)
	if err != nil {
		clock.Stop()
		t.close()
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	p.rf, p.clock, p.transport = rf, clock, t
	term, vote, _ := raft.DecodeState(p.persister.ReadRaftState())
	if len(p.persister.ReadRaftState()) == 0 {
		vote = -1
	}
	delay := time.Duration(c.StartDelayNs)
	clock.Runtime().Go(func() {
		clock.Runtime().Sleep(delay)
		rf.Start()
	})
	return &livepb.ConfigureReply{Term: int64(term), VotedFor: int32(vote)}, nil
}

func (p *peer) Clock(context.Context, *livepb.ClockRequest) (*livepb.ClockReply, error) {
	return &livepb.ClockReply{UnixNano: time.Now().UnixNano()}, nil
}

func (p *peer) Shutdown(context.Context, *livepb.ShutdownRequest) (*livepb.ShutdownReply, error) {
	p.doneOnce.Do(func() { close(p.done) })
	return &livepb.ShutdownReply{}, nil
}

// stop ends the peer's Raft and flushes its spans.
func (p *peer) stop() {
	p.mu.Lock()
	rf, clock, t, tracing := p.rf, p.clock, p.transport, p.tracing
	p.mu.Unlock()
	if rf != nil {
		rf.Kill()
		t.close() // calls in flight fail now, and their waits end with the clock
		clock.Stop()
	}
	if tracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		tracing.Shutdown(ctx)
		cancel()
	}
}

// ExitWithParent returns a context that is cancelled when parent (the
// peer's standard input, a pipe its driver holds) reaches end of file: the
// driver is gone, however it ended, and the peer must not outlive it.
func ExitWithParent(ctx context.Context, parent io.Reader) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		io.Copy(io.Discard, parent)
		cancel()
	}()
	return ctx
}
