package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/raftbench/raftbench/live"
)

// agentFlags declares `raftbench agent`'s flags.
func agentFlags(o *live.AgentOptions) *cli {
	c := newCLI("raftbench agent")
	o.Listen, o.PeerHost, o.DataRoot = "127.0.0.1:7700", "127.0.0.1", "raftbench-agent-data"
	plain(c, c.fs.StringVar, &o.Listen, "listen", "address to serve drivers on (host:port)", "-listen 10.0.0.5:7700")
	plain(c, c.fs.StringVar, &o.PeerHost, "peer-host", "address the peers it starts listen on; the driver's host must reach it", "-peer-host 10.0.0.5")
	plain(c, c.fs.StringVar, &o.DataRoot, "data", "folder under which its peers keep their term and vote; its disk's fsync is what they pay", "-data /mnt/ssd/raftbench")
	return c
}

// runAgent is `raftbench agent`: it starts and kills peer processes on
// this host for a driver on another (raftbench -runtime process -agents
// ...), until Ctrl-C or SIGTERM, and then kills every peer it started.
func runAgent(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o live.AgentOptions
	c := agentFlags(&o)
	if err := c.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "raftbench agent: %v\n", err)
		return exitUsage
	}
	cmd, err := peerCommand()
	if err != nil {
		fmt.Fprintf(stderr, "raftbench agent: %v\n", err)
		return exitUsage
	}
	o.Command = cmd
	if err := live.RunAgent(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "raftbench agent: %v\n", err)
		if errors.Is(err, live.ErrSetup) {
			return exitUsage
		}
		return exitFailed
	}
	return exitOK
}
