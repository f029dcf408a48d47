// Package sim is the world raftbench's Raft peers live in: a cluster of
// peers on a simulated network, run either in deterministic virtual time
// (package vtime) or in real time, with faults injected on demand, RPC
// counters and a safety monitor that checks every run.
//
// # Driving a cluster
//
// A [Cluster] (from [NewCluster]) is driven from one goroutine, the driver:
// it calls [Cluster.RunFor] or [Cluster.RunUntil] to let simulated time
// pass, and between those calls injects faults ([Cluster.Crash],
// [Cluster.Restart], [Cluster.Disconnect], [Cluster.Partition], ...) and
// reads state. In virtual time a run is a pure function of [Config], seed
// included; with [Config].Record set, [Cluster.Events] is its timeline.
//
// # The network and the disk
//
// [Network] sets each message's latency ([Latency] models, per-link
// overrides), loss and the RPC timeout. Besides the network, a peer pays
// for stable storage: [Config].Fsync is the time one write of its term and
// vote takes. Writes queue on the peer's one disk and block the peer
// (persister.go), as LogCabin and hashicorp/raft block while they fsync.
//
// # Transcripts
//
// The protocol's behaviour in named scenarios (an election, re-election
// after a crash, a split vote, a partition and its heal, a restart from
// disk, slow writes) is written down as transcripts under
// testdata/transcripts: commands in, the recorded events out, checked by
// TestTranscripts and regenerated with go test ./sim -run Transcript
// -rewrite.
package sim
