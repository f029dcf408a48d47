package main

import (
	"strings"
	"testing"
	"time"
)

func TestProgressInALogReportsLongRunsOnly(t *testing.T) {
	var b strings.Builder
	p := newProgress(&b, false, 400)
	p.update(1, 400)
	if b.Len() != 0 {
		t.Fatalf("a run a moment old printed progress: %q", b.String())
	}
	// 100 trials took 20s: 300 more take about a minute.
	p.started, p.printed = time.Now().Add(-20*time.Second), time.Now().Add(-logEvery)
	p.update(100, 400)
	if got := b.String(); !strings.Contains(got, "100 of 400 trials in 20s, about 1m0s left") {
		t.Fatalf("progress line %q; want 100 of 400 in 20s, about 1m0s left", got)
	}
	before := b.Len()
	p.update(101, 400)
	if b.Len() != before {
		t.Errorf("printed again within %v: %q", logEvery, b.String()[before:])
	}
}
