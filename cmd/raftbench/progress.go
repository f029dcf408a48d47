package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progress shows a bar on an interactive stderr. Elsewhere (a log, a pipe)
// it stays quiet for a short run and, for a long one (real processes run a
// few trials a second), prints a line every logEvery, so that a log shows
// the run is alive and how long it has left.
type progress struct {
	bar *progressbar.ProgressBar

	w                io.Writer
	unit             string // what is counted, "trials" in a sweep
	started, printed time.Time
}

// logEvery is how often a non-interactive run reports progress.
const logEvery = 10 * time.Second

func newProgress(w io.Writer, interactive bool, total int) *progress {
	return newCounter(w, interactive, total, "trials")
}

// newCounter is a progress bar of total things named by unit.
func newCounter(w io.Writer, interactive bool, total int, unit string) *progress {
	if !interactive {
		now := time.Now()
		return &progress{w: w, unit: unit, started: now, printed: now}
	}
	return &progress{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(unit),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

// update is bench.Sweep's progress callback.
func (p *progress) update(done, total int) {
	if p.bar != nil {
		_ = p.bar.Set(done)
		return
	}
	if p.w == nil || done == 0 || done >= total {
		return
	}
	now := time.Now()
	if now.Sub(p.printed) < logEvery {
		return
	}
	p.printed = now
	elapsed := now.Sub(p.started)
	left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
	fmt.Fprintf(p.w, "raftbench: %d of %d %s in %v, about %v left\n", done, total, p.unit,
		elapsed.Round(time.Second), left.Round(time.Second))
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
