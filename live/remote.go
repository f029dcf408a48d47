package live

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"sync"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"google.golang.org/grpc"
)

// AgentLauncher starts peers through agents on other hosts (raftbench
// agent), peer i on agent i mod len(agents), and puts their clocks on the
// driver's timeline.
type AgentLauncher struct {
	// DataDir is the folder, relative to each agent's data root, that this
	// launcher's peers keep their state in (peer-0, peer-1, ...).
	DataDir string

	agents  []string
	conns   []*grpc.ClientConn
	clients []livepb.AgentClient
	offsets []ClockOffset
}

// ClockOffset is how far a host's wall clock is ahead of the driver's, and
// how uncertain that estimate is (half the round trip of the probe it came
// from: the reply may have been stamped anywhere within it).
type ClockOffset struct {
	Offset, Uncertainty time.Duration
}

// clockProbes is how many round trips an offset estimate takes; the one
// with the shortest round trip gives the estimate (as NTP's clock filter
// prefers), since queueing only ever lengthens a round trip.
const clockProbes = 16

// NewAgentLauncher connects to the agents and estimates each one's clock
// offset.
func NewAgentLauncher(ctx context.Context, agents []string, dataDir string) (*AgentLauncher, error) {
	if len(agents) == 0 {
		return nil, fmt.Errorf("%w: no agents", ErrSetup)
	}
	l := &AgentLauncher{DataDir: dataDir, agents: agents}
	for _, addr := range agents {
		conn, err := dial(addr)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("%w: agent %s: %v", ErrSetup, addr, err)
		}
		l.conns = append(l.conns, conn)
		l.clients = append(l.clients, livepb.NewAgentClient(conn))
	}
	for i, c := range l.clients {
		off, err := EstimateOffset(ctx, c.Clock)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("%w: agent %s: reading its clock: %v", ErrSetup, agents[i], err)
		}
		l.offsets = append(l.offsets, off)
	}
	return l, nil
}

// EstimateOffset estimates a remote clock's offset from the driver's with
// clockProbes calls of read.
func EstimateOffset(ctx context.Context, read func(context.Context, *livepb.ClockRequest, ...grpc.CallOption) (*livepb.ClockReply, error)) (ClockOffset, error) {
	best := ClockOffset{Uncertainty: -1}
	for range clockProbes {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		sent := time.Now()
		r, err := read(cctx, &livepb.ClockRequest{})
		back := time.Now()
		cancel()
		if err != nil {
			return ClockOffset{}, err
		}
		half := back.Sub(sent) / 2
		if best.Uncertainty < 0 || half < best.Uncertainty {
			mid := sent.Add(half)
			best = ClockOffset{Offset: time.Unix(0, r.UnixNano).Sub(mid), Uncertainty: half}
		}
	}
	return best, nil
}

func (l *AgentLauncher) agentOf(id int) int { return id % len(l.clients) }

// ClockOffset is peer id's host's offset.
func (l *AgentLauncher) ClockOffset(id int) ClockOffset { return l.offsets[l.agentOf(id)] }

// Launch starts peer id on its agent.
func (l *AgentLauncher) Launch(ctx context.Context, id int) (Process, error) {
	a := l.agentOf(id)
	sctx, cancel := context.WithCancel(context.Background())
	stream, err := l.clients[a].RunPeer(sctx, &livepb.RunPeerRequest{Id: int32(id), DataDir: path.Join(l.DataDir, "peer-"+strconv.Itoa(id))})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%w: agent %s: %v", ErrSetup, l.agents[a], err)
	}
	first, err := stream.Recv()
	if err != nil || first.GetStarted() == nil {
		cancel()
		return nil, fmt.Errorf("%w: agent %s could not start peer %d: %v", ErrSetup, l.agents[a], id, err)
	}
	p := &remoteProcess{agent: l.agents[a], client: l.clients[a], addr: first.GetStarted().Addr,
		pid: int(first.GetStarted().Pid), cancel: cancel, exited: make(chan struct{})}
	go func() {
		defer close(p.exited)
		for {
			st, err := stream.Recv()
			if err != nil {
				p.setWhy(fmt.Sprintf("lost agent %s's report: %v", p.agent, err))
				return
			}
			if ex := st.GetExited(); ex != nil {
				p.setWhy(ex.Why)
				return
			}
		}
	}()
	return p, nil
}

// Close removes the launcher's data folder on every agent and disconnects.
func (l *AgentLauncher) Close() error {
	var errs []error
	for i, c := range l.clients {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := c.RemoveData(ctx, &livepb.RemoveDataRequest{Dir: l.DataDir}); err != nil {
			errs = append(errs, fmt.Errorf("agent %s: removing %s: %w", l.agents[i], l.DataDir, err))
		}
		cancel()
	}
	for _, c := range l.conns {
		c.Close()
	}
	return errors.Join(errs...)
}

type remoteProcess struct {
	agent  string
	client livepb.AgentClient
	addr   string
	pid    int
	cancel context.CancelFunc
	exited chan struct{}

	mu  sync.Mutex
	why string
}

func (p *remoteProcess) Addr() string            { return p.addr }
func (p *remoteProcess) PID() int                { return p.pid }
func (p *remoteProcess) Exited() <-chan struct{} { return p.exited }

func (p *remoteProcess) setWhy(s string) {
	p.mu.Lock()
	p.why = s
	p.mu.Unlock()
}

func (p *remoteProcess) Why() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.why == "" {
		return "running"
	}
	return fmt.Sprintf("%s (on agent %s)", p.why, p.agent)
}

// Kill asks the agent to SIGKILL the process and waits for its exit; if
// the agent cannot be reached, letting go of the stream makes it kill the
// peer all the same.
func (p *remoteProcess) Kill() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := p.client.KillPeer(ctx, &livepb.KillPeerRequest{Pid: int32(p.pid)})
	if err != nil {
		p.cancel()
	}
	select {
	case <-p.exited:
	case <-ctx.Done():
		p.cancel()
		<-p.exited
	}
	p.cancel()
	return err
}

// RemoveAgentData deletes dir (relative to each agent's data root) on every
// agent: a run's folder once its trials are done.
func RemoveAgentData(ctx context.Context, agents []string, dir string) error {
	var errs []error
	for _, addr := range agents {
		conn, err := dial(addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if _, err := livepb.NewAgentClient(conn).RemoveData(cctx, &livepb.RemoveDataRequest{Dir: dir}); err != nil {
			errs = append(errs, fmt.Errorf("agent %s: removing %s: %w", addr, dir, err))
		}
		cancel()
		conn.Close()
	}
	return errors.Join(errs...)
}
