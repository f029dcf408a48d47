// Package sim is the world raftbench's Raft peers live in: a cluster of
// peers on a simulated network, run either in deterministic virtual time
// (package vtime) or in real time, with faults injected on demand, RPC
// counters and a safety monitor that checks every run.
//
// A Cluster is driven from one goroutine (the driver): it calls RunFor or
// RunUntil to let simulated time pass, and between those calls injects
// faults (Crash, Restart, Disconnect, Partition, ...) and reads state. In
// virtual time a run is a pure function of Config, seed included.
//
// Besides the network, a peer pays for stable storage: Config.Fsync is the
// time one write of its term and vote takes. Writes queue on the peer's one
// disk and block the peer (persister.go), as LogCabin and hashicorp/raft
// block while they fsync.
package sim
