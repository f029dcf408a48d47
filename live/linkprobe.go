package live

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/sim"
	"google.golang.org/grpc"
)

// echoRaft answers every call at once: the far end of a measured link.
type echoRaft struct{ livepb.UnimplementedRaftServer }

func (echoRaft) AppendEntries(_ context.Context, in *livepb.AppendEntriesArgs) (*livepb.AppendEntriesReply, error) {
	return &livepb.AppendEntriesReply{Term: in.Term, Success: true}, nil
}

// MeasureLink measures what a message pays on one link of a -runtime
// process run with the given injected latency (nil: none): n heartbeats
// from a client through the driver's link proxy to a server, all on
// loopback, each one-way time taken as half its round trip. It holds
// every real cost a peer's message pays besides the injected delay (two
// gRPC hops each way, the proxy's timer), so the simulator fed these
// samples (-latency empirical:...) models the same link.
func MeasureLink(ctx context.Context, latency sim.Latency, n int) ([]time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := grpc.NewServer()
	livepb.RegisterRaftServer(srv, echoRaft{})
	go srv.Serve(ln)
	defer srv.Stop()
	far, err := dial(ln.Addr().String())
	if err != nil {
		return nil, err
	}
	defer far.Close()
	nw, err := newNetwork(2, sim.Network{Latency: latency, RPCTimeout: time.Minute}, 1, "", func() time.Duration { return 0 }, func(sim.Event) {})
	if err != nil {
		return nil, err
	}
	defer nw.close()
	nw.setTarget(1, livepb.NewRaftClient(far))
	near, err := dial(nw.addrs[0][1])
	if err != nil {
		return nil, err
	}
	defer near.Close()
	client := livepb.NewRaftClient(near)
	samples := make([]time.Duration, 0, n)
	for i := range n + 1 {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		sent := time.Now()
		_, err := client.AppendEntries(cctx, &livepb.AppendEntriesArgs{Term: int64(i)})
		rtt := time.Since(sent)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("measuring a link: call %d: %w", i, err)
		}
		if i > 0 { // the first call pays for the connections
			samples = append(samples, rtt/2)
		}
	}
	return samples, nil
}

// MeasureHeartbeats runs cfg's cluster without faults for d and returns
// the one-way time of every heartbeat: from the leader's round to a
// follower's accepting it, both stamped by the peers. It is what a message
// pays in a run of that many peer processes on this machine — the peers,
// the driver and its proxies competing for the same cores add to the
// isolated link MeasureLink sees — so the simulator fed these samples
// models the run's links as they were.
func MeasureHeartbeats(ctx context.Context, cfg Config, d time.Duration) ([]time.Duration, error) {
	rounds := map[[2]int]time.Duration{} // (leader, term) -> its latest round
	var samples []time.Duration
	cfg.Record = false
	cfg.OnEvent = func(e sim.Event) {
		switch e.Kind {
		case sim.HeartbeatRound:
			rounds[[2]int{e.Peer, e.Term}] = e.At
		case sim.Heartbeat:
			if at, ok := rounds[[2]int{e.Other, e.Term}]; ok && e.At >= at {
				samples = append(samples, e.At-at)
			}
		}
	}
	c, err := NewCluster(cfg)
	if err != nil {
		return nil, err
	}
	defer c.Stop()
	defer context.AfterFunc(ctx, c.Cancel)()
	if err := c.Start(); err != nil {
		return nil, err
	}
	c.RunFor(d)
	if err := c.Err(); err != nil {
		return nil, err
	}
	return samples, nil
}
