package live

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// AgentOptions are `raftbench agent`'s settings.
type AgentOptions struct {
	// Listen is where the agent serves drivers (host:port).
	Listen string
	// PeerHost is the address its peers listen on: one the driver's
	// proxies can reach.
	PeerHost string
	// DataRoot holds the data folders of the peers it starts.
	DataRoot string
	// Command starts a peer: raftbench's executable and "peer".
	Command []string
}

// AgentListeningPrefix starts the line an agent prints once it serves.
const AgentListeningPrefix = "raftbench agent listening on "

// RunAgent serves drivers until ctx is done, then kills every peer it
// started, by process id.
func RunAgent(ctx context.Context, o AgentOptions, stdout io.Writer) error {
	if err := os.MkdirAll(o.DataRoot, 0o755); err != nil {
		return fmt.Errorf("%w: -data %s: %v", ErrSetup, o.DataRoot, err)
	}
	probe, err := os.MkdirTemp(o.DataRoot, ".write-test-")
	if err != nil {
		return fmt.Errorf("%w: -data %s is not writable: %v", ErrSetup, o.DataRoot, err)
	}
	os.Remove(probe)
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("%w: -listen %s: %v", ErrSetup, o.Listen, err)
	}
	a := &agent{o: o, procs: map[int]*localProcess{}}
	srv := grpc.NewServer()
	livepb.RegisterAgentServer(srv, a)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(stdout, "%s%s\n", AgentListeningPrefix, ln.Addr()); err != nil {
		srv.Stop()
		return err
	}
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	srv.Stop()
	a.killAll()
	return err
}

type agent struct {
	livepb.UnimplementedAgentServer
	o     AgentOptions
	mu    sync.Mutex
	procs map[int]*localProcess // by pid, while running
}

// dataDir resolves a driver's relative folder inside the agent's root, and
// refuses anything that would leave it.
func (a *agent) dataDir(rel string) (string, error) {
	clean := filepath.Clean(rel)
	if rel == "" || filepath.IsAbs(rel) || clean == "." || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", status.Errorf(codes.InvalidArgument, "data folder %q: want a relative folder inside the agent's data root", rel)
	}
	return filepath.Join(a.o.DataRoot, clean), nil
}

func (a *agent) RunPeer(req *livepb.RunPeerRequest, stream livepb.Agent_RunPeerServer) error {
	dir, err := a.dataDir(req.DataDir)
	if err != nil {
		return err
	}
	host := a.o.PeerHost
	if host == "" {
		host = "127.0.0.1"
	}
	p, err := startPeer(stream.Context(), a.o.Command, int(req.Id), net.JoinHostPort(host, "0"), dir, 0)
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	pid := p.PID()
	a.mu.Lock()
	a.procs[pid] = p
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.procs, pid)
		a.mu.Unlock()
	}()
	started := &livepb.PeerStatus{Status: &livepb.PeerStatus_Started{Started: &livepb.PeerStarted{Addr: p.Addr(), Pid: int32(pid)}}}
	if err := stream.Send(started); err != nil {
		p.Kill()
		return err
	}
	select {
	case <-p.Exited():
		return stream.Send(&livepb.PeerStatus{Status: &livepb.PeerStatus_Exited{Exited: &livepb.PeerExited{Why: p.Why()}}})
	case <-stream.Context().Done():
		p.Kill() // the driver is gone or let go: the peer must not outlive it
		return stream.Context().Err()
	}
}

func (a *agent) KillPeer(ctx context.Context, req *livepb.KillPeerRequest) (*livepb.KillPeerReply, error) {
	a.mu.Lock()
	p := a.procs[int(req.Pid)]
	a.mu.Unlock()
	if p == nil {
		// Only processes this agent started, and only while they run: a
		// pid alone may have been reused by anything.
		return &livepb.KillPeerReply{}, nil
	}
	if err := p.Kill(); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &livepb.KillPeerReply{}, nil
}

func (a *agent) RemoveData(ctx context.Context, req *livepb.RemoveDataRequest) (*livepb.RemoveDataReply, error) {
	dir, err := a.dataDir(req.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &livepb.RemoveDataReply{}, nil
}

func (a *agent) Clock(context.Context, *livepb.ClockRequest) (*livepb.ClockReply, error) {
	return &livepb.ClockReply{UnixNano: time.Now().UnixNano()}, nil
}

func (a *agent) killAll() {
	a.mu.Lock()
	procs := make([]*localProcess, 0, len(a.procs))
	for _, p := range a.procs {
		procs = append(procs, p)
	}
	a.mu.Unlock()
	for _, p := range procs {
		p.Kill()
	}
}
