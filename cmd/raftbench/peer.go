package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/raftbench/raftbench/bench"
	"github.com/raftbench/raftbench/live"
	"github.com/raftbench/raftbench/sim"
)

// peerFlags declares `raftbench peer`'s flags.
func peerFlags(o *live.PeerOptions) *cli {
	c := newCLI("raftbench peer")
	o.Listen = "127.0.0.1:0"
	plain(c, c.fs.IntVar, &o.ID, "id", "this peer's index in its cluster, 0..N-1", "-id 2")
	plain(c, c.fs.StringVar, &o.Listen, "listen", "address to serve Raft and the driver's control service on (port 0: any free port)", "-listen 127.0.0.1:0")
	plain(c, c.fs.StringVar, &o.DataDir, "data", "folder for the peer's term and vote (created if missing; the same folder after a restart)", "-data /var/lib/raftbench/peer-2")
	return c
}

// runPeer is `raftbench peer`: one Raft peer as a process, started by a
// driver (raftbench -runtime process) or an agent. It exits when its
// standard input closes (its driver is gone), on SIGTERM or Ctrl-C, or when
// the driver shuts it down.
func runPeer(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o := live.PeerOptions{Listen: "127.0.0.1:0"}
	c := peerFlags(&o)
	if err := c.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "raftbench peer: %v\n", err)
		return exitUsage
	}
	switch {
	case !c.isGiven("id"):
		fmt.Fprintln(stderr, "raftbench peer: -id is required: this peer's index in its cluster, 0..N-1")
		return exitUsage
	case o.DataDir == "":
		fmt.Fprintln(stderr, "raftbench peer: -data is required: the folder for the peer's term and vote")
		return exitUsage
	}
	if stdin != nil {
		ctx = live.ExitWithParent(ctx, stdin)
	}
	if err := live.RunPeer(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "raftbench peer: %v\n", err)
		if errors.Is(err, live.ErrSetup) {
			return exitUsage
		}
		return exitFailed
	}
	return exitOK
}

// peerCommand is how this executable starts a peer process.
func peerCommand() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding raftbench's own executable to start peers: %w", err)
	}
	return []string{exe, "peer"}, nil
}

// peerProcesses readies a -runtime process run: the command that starts a
// peer, and the folder its peers keep their state in (made now, so that a
// folder that cannot be used is found before the first trial). The
// returned function removes that folder.
func peerProcesses(o *bench.Options, peerData string, agents []string, linkHost string, out *outFolder) (func(), error) {
	if o.Runtime != sim.Process {
		return func() {}, nil
	}
	cmd, err := peerCommand()
	if err != nil {
		return nil, err
	}
	var root string
	switch {
	case peerData != "":
		if err := os.MkdirAll(peerData, 0o755); err != nil {
			return nil, fmt.Errorf("-peer-data %q: %w", peerData, err)
		}
		if root, err = os.MkdirTemp(peerData, "raftbench-peers-"); err != nil {
			return nil, fmt.Errorf("-peer-data %q: %w", peerData, err)
		}
	case out != nil:
		if root, err = os.MkdirTemp(out.dir, ".peers-"); err != nil {
			return nil, fmt.Errorf("peers' data in %s: %w (choose a folder with -peer-data)", out.dir, err)
		}
	default:
		if root, err = os.MkdirTemp("", "raftbench-peers-"); err != nil {
			return nil, fmt.Errorf("peers' data: %w (choose a folder with -peer-data)", err)
		}
	}
	o.Processes = &bench.Processes{Command: cmd, DataRoot: root, Agents: agents, LinkHost: linkHost}
	return func() {
		os.RemoveAll(root)
		if len(agents) > 0 {
			live.RemoveAgentData(context.Background(), agents, filepath.Base(root))
		}
	}, nil
}
