package vtime

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// StuckError reports a task that blocked on something other than Sleep.
type StuckError struct {
	Period     time.Duration
	WaitReason string // as the Go runtime names it: "sync.Mutex.Lock", "chan receive", ...
	Stack      string // the stuck goroutine's stack, or empty if it was not found
}

func (e *StuckError) Error() string {
	cause := "a goroutine is blocked outside the scheduler"
	switch {
	case strings.HasPrefix(e.WaitReason, "sync.Mutex") || strings.HasPrefix(e.WaitReason, "sync.RWMutex"):
		cause = "a task waits for a mutex that a parked task holds: a lock was held across a Sleep or an RPC"
	case strings.HasPrefix(e.WaitReason, "chan") || strings.HasPrefix(e.WaitReason, "select"):
		cause = "a task is blocked on a raw channel operation; in virtual time tasks may only wait by Sleep"
	case e.WaitReason == "running" || e.WaitReason == "runnable":
		cause = "a task has run without parking: an endless loop that never calls Sleep?"
	case e.WaitReason != "":
		cause = "a task is blocked outside the scheduler"
	}
	msg := fmt.Sprintf("vtime: no event ran for %v of wall time: %s (wait reason %q)", e.Period, cause, e.WaitReason)
	if e.Stack != "" {
		msg += "\n" + e.Stack
	}
	return msg
}

// stuckError finds the goroutine that should be running: a task's
// coroutine (its stack runs through Scheduler.work) or an engine running a
// callback (Scheduler.serve), that is neither switched out ("coroutine": a
// parked task, an idle worker, an engine whose task runs) nor an engine
// waiting for the driver. Goroutines carry no scheduler identity, so when
// several schedulers share a process a blocked task is preferred over a
// running one (which belongs to a healthy scheduler, or spins in a loop).
func stuckError(period time.Duration) *StuckError {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var running *StuckError
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		text := string(g)
		if !strings.Contains(text, "vtime.work(") && !strings.Contains(text, "vtime.(*Scheduler).serve(") ||
			strings.Contains(text, "vtime.(*Scheduler).await(") {
			continue
		}
		header, _, _ := strings.Cut(text, "\n")
		e := &StuckError{Period: period, WaitReason: waitReason(header), Stack: text}
		if e.WaitReason == "coroutine" {
			continue
		}
		if e.WaitReason != "running" && e.WaitReason != "runnable" {
			return e
		}
		if running == nil {
			running = e
		}
	}
	if running != nil {
		return running
	}
	return &StuckError{Period: period}
}

// waitReason extracts "sync.Mutex.Lock" from "goroutine 7 [sync.Mutex.Lock, 2 minutes]:".
func waitReason(header string) string {
	open, end := strings.IndexByte(header, '['), strings.IndexByte(header, ']')
	if open < 0 || end < open {
		return ""
	}
	reason, _, _ := strings.Cut(header[open+1:end], ",")
	return reason
}
