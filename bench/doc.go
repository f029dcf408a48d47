// Package bench runs raftbench's experiments: scenarios (cold start, leader
// crash, partition, steady state) as trials on fresh simulated clusters,
// the grid of settings a sweep covers (with its range and list syntax, as
// flag values) and the ready-made presets, sweeps on a worker pool,
// per-trial metrics and per-setting statistics, and the result files. Every trial is a pure function of its
// setting, options and seed, so a sweep gives the same results however many
// workers run it.
package bench
