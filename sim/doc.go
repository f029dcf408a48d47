// Package sim is the world raftbench's Raft peers live in: a cluster of
// peers on a simulated network, run either in deterministic virtual time
// (package vtime) or in real time, with faults injected on demand, RPC
// counters and a safety monitor that checks every run.
//
// A Cluster is driven from one goroutine (the driver): it calls RunFor or
// RunUntil to let simulated time pass, and between those calls injects
// faults (Crash, Restart, Disconnect, Partition, ...) and reads state. In
// virtual time a run is a pure function of Config, seed included.
package sim
