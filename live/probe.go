package live

// The environment probe: what a peer pays on this host for a save of its
// term and vote and for a round trip to another peer, measured through the
// peer's own code paths so the figures are the ones a real run pays.
// raftbench probe prints them as simulator flags; an agent can run the same
// probes on its host.
//
// Each probe opens first and measures after: opening does everything that
// can fail for a reason the user can fix (a folder that cannot be written, an
// address nobody answers at, a peer that will not start) and the warm-up, so
// a long measurement starts only once it can run.

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/raft"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ProbeOptions says how many samples a probe takes and how.
type ProbeOptions struct {
	// Samples is how many measurements to keep (at least 1).
	Samples int
	// Gap is a pause before each measurement. A peer saves and calls now
	// and then, not in a tight loop: a gap lets the CPU, the disk and the
	// network stack go idle between samples as they do between elections
	// and heartbeats, where a back-to-back loop measures a warmer machine
	// and shorter times.
	Gap time.Duration
	// Progress, if not nil, hears how many samples are done after each one.
	Progress func(done int)
}

func (o ProbeOptions) validate() error {
	if o.Samples < 1 {
		return fmt.Errorf("probe: %d samples; want 1 or more", o.Samples)
	}
	if o.Gap < 0 {
		return fmt.Errorf("probe: gap %v; want 0 or more", o.Gap)
	}
	return nil
}

// measure takes o.Samples timings of one, each after a gap.
func (o ProbeOptions) measure(ctx context.Context, one func() (time.Duration, error)) ([]time.Duration, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	samples := make([]time.Duration, 0, o.Samples)
	for range o.Samples {
		if err := o.pause(ctx); err != nil {
			return nil, err
		}
		d, err := one()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		samples = append(samples, d)
		if o.Progress != nil {
			o.Progress(len(samples))
		}
	}
	return samples, nil
}

// pause waits o.Gap, or until ctx is done.
func (o ProbeOptions) pause(ctx context.Context) error {
	if o.Gap <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(o.Gap)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ProbeWarmup is how many saves or calls a probe makes when it opens, not
// kept: the first save extends a new file (a metadata update a peer pays
// once per data directory) and the first calls set up the connection and
// gRPC's buffers, neither of which is what a running peer pays per save or
// RPC.
const ProbeWarmup = 3

// FsyncProbe measures what a save of a peer's term and vote costs on one
// folder's disk: the write and fsync FilePersister does, in a new folder of
// its own inside the one measured, removed by Close.
type FsyncProbe struct {
	dir, sub string
	p        *FilePersister
	term     int
}

// OpenFsyncProbe readies a probe of dir's disk and makes its warm-up saves.
// Its error says why dir cannot be used: missing, not a folder, not
// writable.
func OpenFsyncProbe(dir string) (*FsyncProbe, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	sub, err := os.MkdirTemp(dir, ".raftbench-probe-")
	if err != nil {
		return nil, fmt.Errorf("cannot write in %s: %w", dir, err)
	}
	p, err := OpenFilePersister(sub)
	if err != nil {
		os.RemoveAll(sub)
		return nil, err
	}
	f := &FsyncProbe{dir: dir, sub: sub, p: p}
	for range ProbeWarmup {
		if _, err := f.save(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// Close removes the probe's folder.
func (f *FsyncProbe) Close() error {
	f.p.Close()
	return os.RemoveAll(f.sub)
}

// Measure times o.Samples saves.
func (f *FsyncProbe) Measure(ctx context.Context, o ProbeOptions) ([]time.Duration, error) {
	return o.measure(ctx, f.save)
}

// save times one save. Its state has a new term each time, as a peer's
// saves do: the bytes differ, so no layer can skip the write as a no-op.
func (f *FsyncProbe) save() (d time.Duration, err error) {
	f.term++
	state := raft.EncodeState(f.term, f.term%5)
	// Save panics on a failed write (a peer cannot go on after one); the
	// probe reports it instead, as the disk filling up.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("saving in %s: %v", f.dir, r)
		}
	}()
	start := time.Now()
	f.p.Save(state)
	return time.Since(start), nil
}

// MeasureFsync times o.Samples saves on dir's disk (OpenFsyncProbe,
// Measure, Close).
func MeasureFsync(ctx context.Context, dir string, o ProbeOptions) ([]time.Duration, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	f, err := OpenFsyncProbe(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Measure(ctx, o)
}

// probeCallTimeout bounds one Clock call: a target that does not answer
// within it is not a peer a cluster could elect with.
const probeCallTimeout = 5 * time.Second

// RTTProbe measures round trips to a raftbench peer (or agent) serving the
// Control service: Control.Clock calls over a connection from dial, the
// client peers use, so each includes gRPC's own cost on both sides as a
// RequestVote or AppendEntries does. Halve a round trip for the one-way
// latency the simulator's -latency takes.
type RTTProbe struct {
	addr string
	conn *grpc.ClientConn
	// clock is the Clock the target serves: a peer's Control.Clock or an
	// agent's Agent.Clock, the same empty call either way.
	clock func(context.Context, *livepb.ClockRequest, ...grpc.CallOption) (*livepb.ClockReply, error)
	proc  Process // the loopback peer it started, if any
}

// OpenRTTProbe connects to addr, a peer or an agent, and makes the warm-up
// calls; its error says that nobody answers there, and why.
func OpenRTTProbe(ctx context.Context, addr string) (*RTTProbe, error) {
	conn, err := dial(addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	p := &RTTProbe{addr: addr, conn: conn, clock: livepb.NewControlClient(conn).Clock}
	// The first warm-up call also finds out whether addr is a peer; one
	// that serves no Control service may be an agent.
	_, err = p.call(ctx)
	if status.Code(err) == codes.Unimplemented {
		p.clock = livepb.NewAgentClient(conn).Clock
		_, err = p.call(ctx)
	}
	for i := 1; err == nil && i < ProbeWarmup; i++ {
		_, err = p.call(ctx)
	}
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return p, nil
}

// OpenLoopbackRTTProbe starts a peer process with l (on loopback, as a
// -runtime process run starts its peers) and opens a probe of it; Close
// kills the peer by its process id. A peer in a process of its own, not a
// server in this one: a call then crosses two Go runtimes and wakes a
// process that was idle, as a call between peers does.
func OpenLoopbackRTTProbe(ctx context.Context, l Launcher) (*RTTProbe, error) {
	proc, err := l.Launch(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("starting a peer on loopback: %w", err)
	}
	p, err := OpenRTTProbe(ctx, proc.Addr())
	if err != nil {
		proc.Kill()
		return nil, err
	}
	p.proc = proc
	return p, nil
}

// Addr is the address the probe measures.
func (p *RTTProbe) Addr() string { return p.addr }

// Close closes the connection and kills the loopback peer, if any.
func (p *RTTProbe) Close() error {
	p.conn.Close()
	if p.proc != nil {
		return p.proc.Kill()
	}
	return nil
}

// Measure times o.Samples round trips.
func (p *RTTProbe) Measure(ctx context.Context, o ProbeOptions) ([]time.Duration, error) {
	return o.measure(ctx, func() (time.Duration, error) { return p.call(ctx) })
}

func (p *RTTProbe) call(ctx context.Context) (time.Duration, error) {
	cctx, cancel := context.WithTimeout(ctx, probeCallTimeout)
	defer cancel()
	start := time.Now()
	_, err := p.clock(cctx, &livepb.ClockRequest{})
	d := time.Since(start)
	if err != nil {
		err = fmt.Errorf("no raftbench peer or agent answers at %s: %w", p.addr, err)
		if p.proc != nil {
			select {
			case <-p.proc.Exited():
				err = fmt.Errorf("%w (the peer %s)", err, p.proc.Why())
			default:
			}
		}
		return 0, err
	}
	return d, nil
}

// MeasureRTT times o.Samples round trips to addr (OpenRTTProbe, Measure,
// Close).
func MeasureRTT(ctx context.Context, addr string, o ProbeOptions) ([]time.Duration, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	p, err := OpenRTTProbe(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	return p.Measure(ctx, o)
}
