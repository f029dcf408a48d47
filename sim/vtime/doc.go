// Package vtime is a deterministic discrete-event scheduler for goroutines.
//
// Simulated goroutines (tasks) run one at a time. A task runs until it calls
// Sleep or returns; the scheduler then resumes the task (or runs the
// callback) with the earliest (virtual time, sequence number), where the
// sequence number is the order in which wake-ups were scheduled. Nothing
// depends on the Go runtime's scheduling, so a run is a pure function of its
// seed: the same event order on any machine and with any GOMAXPROCS.
//
// Each task runs on a worker coroutine (iter.Pull) and an engine goroutine
// dispatches events: it resumes the task whose wake-up is next, and gets
// control back, on the same thread, when that task sleeps or ends; a task
// whose own wake-up is next returns from Sleep without any switch.
// Switching coroutines bypasses the Go scheduler (no run queue, no wake-up
// of another processor), and a worker whose task ended runs the next new
// task, keeping its grown stack: a task per RPC costs no goroutine. The
// driver — the goroutine calling RunFor — only gets control back when the
// run reaches its horizon, is halted, or fails.
//
// Because only one task runs at a time, a task must never block on anything
// but Sleep: a mutex held across a Sleep, or a raw channel operation between
// tasks, would wait forever. The scheduler's watchdog notices that no event
// has run for a while of wall-clock time and fails the run with the blocked
// goroutine's wait reason and stack.
package vtime
