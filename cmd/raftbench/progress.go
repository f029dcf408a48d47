package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// progress shows a bar on an interactive stderr and nothing otherwise, so
// logs and pipes stay clean.
type progress struct{ bar *progressbar.ProgressBar }

func newProgress(w io.Writer, interactive bool, total int) *progress {
	return newCounter(w, interactive, total, "trials")
}

// newCounter is a progress bar of total things named by unit.
func newCounter(w io.Writer, interactive bool, total int, unit string) *progress {
	if !interactive {
		return &progress{}
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
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
