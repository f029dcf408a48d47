package live

// The environment probe: what a peer pays on this host for a save of its
// term and vote and for a round trip to another peer, measured through the
// peer's own code paths so the figures are the ones a real run pays.
// raftbench probe prints them as simulator flags; an agent can run the same
// functions on its host.

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/raft"
)

// ProbeOptions says how many samples a probe takes and how.
type ProbeOptions struct {
	// Samples is how many measurements to keep (at least 1).
	Samples int
	// Gap is a pause between two measurements. A peer saves and calls now
	// and then, not in a tight loop: a gap lets the CPU, the disk and the
	// network stack go idle between samples as they do between elections
	// and heartbeats, and a back-to-back loop would measure a warmer
	// system than a peer sees.
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

// probeWarmup is how many saves or calls come before the measured ones: the
// first save extends a new file (a metadata update a peer pays once per
// data directory) and the first calls set up the connection and gRPC's
// buffers, neither of which is what a running peer pays per save or RPC.
const probeWarmup = 3

// FsyncProbe measures what a save of a peer's term and vote costs on one
// folder's disk: the write and fsync FilePersister does, in a new folder of
// its own inside the one measured, removed by Close. Open it first to learn
// at once whether the folder can be used, before a long measurement.
type FsyncProbe struct {
	dir, sub string
	p        *FilePersister
}

// OpenFsyncProbe readies a probe of dir's disk. Its error says why dir
// cannot be used: missing, not a folder, or not writable.
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
	return &FsyncProbe{dir: dir, sub: sub, p: p}, nil
}

// Close removes the probe's folder.
func (f *FsyncProbe) Close() error {
	f.p.Close()
	return os.RemoveAll(f.sub)
}

// Measure times o.Samples saves.
func (f *FsyncProbe) Measure(ctx context.Context, o ProbeOptions) ([]time.Duration, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	samples := make([]time.Duration, 0, o.Samples)
	for i := range probeWarmup + o.Samples {
		if i > 0 {
			if err := o.pause(ctx); err != nil {
				return nil, err
			}
		}
		// A new term each time, as a peer's saves are: the bytes differ,
		// so no layer can skip the write as a no-op.
		state := raft.EncodeState(i+1, i%5)
		start := time.Now()
		if err := save(f.p, state); err != nil {
			return nil, fmt.Errorf("saving in %s: %v", f.dir, err)
		}
		d := time.Since(start)
		if i >= probeWarmup {
			samples = append(samples, d)
			if o.Progress != nil {
				o.Progress(len(samples))
			}
		}
	}
	return samples, nil
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

// save is p.Save with its panic (the peer's answer to a failed write, as
// the disk filling up) turned back into an error: the probe reports it.
func save(p *FilePersister, state []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	p.Save(state)
	return nil
}

// probeCallTimeout bounds one Clock call: a target that does not answer
// within it is not a peer a cluster could elect with.
const probeCallTimeout = 5 * time.Second

// MeasureRTT times o.Samples round trips to the raftbench peer (or agent)
// serving the Control service at addr: Control.Clock calls over a
// connection from dial, the client peers use, so each includes gRPC's own
// cost on both sides as a RequestVote or AppendEntries does. Halve a round
// trip for the one-way latency the simulator's -latency takes.
func MeasureRTT(ctx context.Context, addr string, o ProbeOptions) ([]time.Duration, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	conn, err := dial(addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	defer conn.Close()
	control := livepb.NewControlClient(conn)
	samples := make([]time.Duration, 0, o.Samples)
	for i := range probeWarmup + o.Samples {
		if i > 0 {
			if err := o.pause(ctx); err != nil {
				return nil, err
			}
		}
		cctx, cancel := context.WithTimeout(ctx, probeCallTimeout)
		start := time.Now()
		_, err := control.Clock(cctx, &livepb.ClockRequest{})
		d := time.Since(start)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("no raftbench peer or agent answers at %s: %v", addr, err)
		}
		if i >= probeWarmup {
			samples = append(samples, d)
			if o.Progress != nil {
				o.Progress(len(samples))
			}
		}
	}
	return samples, nil
}

// MeasureLoopbackRTT starts a peer process with l (on loopback, as a
// -runtime process run starts its peers), times round trips to it with
// MeasureRTT, and kills it by its process id. A peer in a process of its
// own, not a server in this one: a call then crosses two Go runtimes and
// wakes a process that was idle, as a call between peers does.
func MeasureLoopbackRTT(ctx context.Context, l Launcher, o ProbeOptions) (samples []time.Duration, addr string, err error) {
	if err := o.validate(); err != nil {
		return nil, "", err
	}
	proc, err := l.Launch(ctx, 0)
	if err != nil {
		return nil, "", fmt.Errorf("starting a peer on loopback: %w", err)
	}
	defer proc.Kill()
	samples, err = MeasureRTT(ctx, proc.Addr(), o)
	if err != nil {
		select {
		case <-proc.Exited():
			err = fmt.Errorf("%w (the peer %s)", err, proc.Why())
		default:
		}
	}
	return samples, proc.Addr(), err
}
