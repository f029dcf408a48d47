package live

import (
	"context"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/raft"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// w3c carries trace context in gRPC metadata (the traceparent header), so
// a handler's span is a child of the caller's across processes. Only the
// context travels: raft's own spans are the RPC spans, and an
// instrumentation library would record every call twice.
var w3c = propagation.TraceContext{}

// metadataCarrier adapts gRPC metadata to OpenTelemetry's propagators.
type metadataCarrier metadata.MD

func (m metadataCarrier) Get(key string) string {
	if v := metadata.MD(m).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (m metadataCarrier) Set(key, value string) { metadata.MD(m).Set(key, value) }

func (m metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// outgoing puts ctx's trace context into the call's headers.
func outgoing(ctx context.Context) context.Context {
	md := metadata.MD{}
	w3c.Inject(ctx, metadataCarrier(md))
	if len(md) == 0 {
		return ctx
	}
	return metadata.NewOutgoingContext(ctx, md)
}

// incoming is the context a handler runs in: the caller's trace context and
// nothing else.
func incoming(ctx context.Context) context.Context {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return context.Background()
	}
	return w3c.Extract(context.Background(), metadataCarrier(md))
}

// dial opens a client connection that reconnects quickly: a peer that was
// killed and restarted must be reachable again within a heartbeat, not
// after gRPC's default backoff of up to two minutes.
func dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, MaxDelay: 200 * time.Millisecond},
			MinConnectTimeout: time.Second,
		}))
}

// transport is raft.Transport over gRPC: one connection to each other peer
// (in a driver's run, to the proxy of the link). Like labrpc, and like the
// simulator's network, a call that fails returns false only when the RPC
// timeout has passed, so the caller's goroutine lives as long as it would
// waiting for a lost reply.
type transport struct {
	rt      raft.Runtime
	timeout time.Duration
	conns   []*grpc.ClientConn
	clients []livepb.RaftClient
}

func newTransport(rt raft.Runtime, me int, addrs []string, timeout time.Duration) (*transport, error) {
	t := &transport{rt: rt, timeout: timeout, conns: make([]*grpc.ClientConn, len(addrs)), clients: make([]livepb.RaftClient, len(addrs))}
	for i, addr := range addrs {
		if i == me {
			continue
		}
		conn, err := dial(addr)
		if err != nil {
			t.close()
			return nil, err
		}
		t.conns[i], t.clients[i] = conn, livepb.NewRaftClient(conn)
	}
	return t, nil
}

func (t *transport) close() {
	for _, c := range t.conns {
		if c != nil {
			c.Close()
		}
	}
}

func (t *transport) call(ctx context.Context, do func(ctx context.Context) error) bool {
	start := t.rt.Now()
	cctx, cancel := context.WithTimeout(outgoing(ctx), t.timeout)
	err := do(cctx)
	cancel()
	if err == nil {
		return true
	}
	if wait := start + t.timeout - t.rt.Now(); wait > 0 {
		t.rt.Sleep(wait)
	}
	return false
}

func (t *transport) RequestVote(ctx context.Context, from, to int, args *raft.RequestVoteArgs, reply *raft.RequestVoteReply) bool {
	return t.call(ctx, func(ctx context.Context) error {
		r, err := t.clients[to].RequestVote(ctx, &livepb.RequestVoteArgs{
			Term: int64(args.Term), CandidateId: int32(args.CandidateId),
			LastLogIndex: int64(args.LastLogIndex), LastLogTerm: int64(args.LastLogTerm), PreVote: args.PreVote})
		if err == nil {
			reply.Term, reply.VoteGranted = int(r.Term), r.VoteGranted
		}
		return err
	})
}

func (t *transport) AppendEntries(ctx context.Context, from, to int, args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply) bool {
	return t.call(ctx, func(ctx context.Context) error {
		r, err := t.clients[to].AppendEntries(ctx, &livepb.AppendEntriesArgs{Term: int64(args.Term), LeaderId: int32(args.LeaderId)})
		if err == nil {
			reply.Term, reply.Success = int(r.Term), r.Success
		}
		return err
	})
}
