// Package live runs raftbench's Raft peers (package raft, unchanged) as real
// operating-system processes: each peer is a `raftbench peer` process that
// talks gRPC over TCP to the others and saves its term and vote to a file
// with fsync before any answer that depends on them, on the wall clock.
//
// A driver (Cluster) starts the processes, puts a user-space proxy on every
// peer-to-peer link (where -latency and -loss are injected, exactly as the
// simulator's network applies them, and where partitions cut links), follows
// every peer's events over a control channel that bypasses the proxies, and
// kills a peer with SIGKILL by its process id. Cluster offers bench the same
// methods sim.Cluster does, so every scenario runs unchanged; what differs
// is that time is real, so a trial takes as long as it takes.
//
// The environment probe (probe.go) measures what a peer pays on a host, by
// the peer's own code paths: a save of its term and vote on a folder's disk,
// and a round trip of a gRPC call to a peer; `raftbench probe` turns the
// samples into the simulator's -latency and -fsync models.
//
// Peers can run on other hosts through agents (`raftbench agent`); events
// from other hosts are put on the driver's timeline with a clock offset
// estimated over the control channel.
package live
