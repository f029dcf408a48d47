package traces

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// stalled is a receiver that takes its time: each export waits for release.
type stalled struct{ release chan struct{} }

func (s stalled) ExportSpans(ctx context.Context, _ []sdktrace.ReadOnlySpan) error {
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (stalled) Shutdown(context.Context) error { return nil }

// stalledSetup is a Setup whose OTLP exporter stalls until release closes,
// with a queue of 64 spans per service.
func stalledSetup(t *testing.T, block bool) (*Setup, chan struct{}) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	release := make(chan struct{})
	s, err := newSetup(Config{Endpoint: addr, Block: block}, stalled{release}, 64)
	if err != nil {
		t.Fatal(err)
	}
	return s, release
}

// A receiver too slow for the run loses spans; the run says how many.
func TestDroppedSpansCounted(t *testing.T) {
	s, release := stalledSetup(t, false)
	const n = 1000
	for range n {
		_, span := s.Peer(0).Start(context.Background(), "replicateToPeer")
		span.End()
	}
	close(release)
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := s.Dropped()
	// The stalled receiver holds one batch of 64 and the queue 64 more
	// (a third batch may be on its way): the rest is dropped.
	if d < n-3*64 || d >= n {
		t.Fatalf("%d spans dropped of %d through a queue of 64 and a stalled receiver", d, n)
	}
	sum := s.Summary()
	if !strings.Contains(sum, strconv.FormatInt(d, 10)+" dropped") || !strings.Contains(sum, strconv.FormatInt(n-d, 10)+" spans sent") ||
		!strings.Contains(sum, "-trace-block") || strings.Contains(sum, "\n") {
		t.Fatalf("summary %q; want one line with %d sent and %d dropped", sum, n-d, d)
	}
}

// With Block, the run waits for the receiver and keeps every span.
func TestBlockKeepsEverySpan(t *testing.T) {
	s, release := stalledSetup(t, true)
	time.AfterFunc(200*time.Millisecond, func() { close(release) })
	const n = 1000
	for range n {
		_, span := s.Peer(0).Start(context.Background(), "replicateToPeer")
		span.End()
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := s.Dropped(); d != 0 || !strings.Contains(s.Summary(), "1000 spans sent") {
		t.Fatalf("blocking: %d dropped, summary %q", d, s.Summary())
	}
}

// The file is written as spans end, not held until the end, and is still
// one OTLP/JSON document with every span.
func TestFileStreamsSpans(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spans.json")
	s, err := New(context.Background(), Config{File: path})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3*fileBatch + 17
	for i := range n {
		_, span := s.Peer(i%5).Start(context.Background(), "replicateToPeer")
		span.End()
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.file.written.Load() < 2*fileBatch && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if w := s.file.written.Load(); w < 2*fileBatch {
		t.Fatalf("before the run ends: %d spans written of %d; want them written as they come", w, n)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
	if err != nil {
		t.Fatal(err)
	}
	if td.SpanCount() != n {
		t.Fatalf("file holds %d spans; want %d", td.SpanCount(), n)
	}
	if sum := s.Summary(); !strings.Contains(sum, strconv.Itoa(n)+" spans written to "+path) {
		t.Fatalf("summary %q", sum)
	}
}

// A trace simulated faster than real time is moved back so that it ends no
// later than when it was exported, its spans' offsets kept.
func TestTraceEndsNoLaterThanNow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spans.json")
	s, err := New(context.Background(), Config{File: path})
	if err != nil {
		t.Fatal(err)
	}
	epoch := time.Now()
	ctx, root := s.Root().Start(context.Background(), "trial", trace.WithTimestamp(epoch))
	_, child := s.Peer(1).Start(ctx, "startReplication", trace.WithTimestamp(epoch.Add(9*time.Minute)))
	child.AddEvent("x", trace.WithTimestamp(epoch.Add(9*time.Minute+time.Second)))
	child.End(trace.WithTimestamp(epoch.Add(9*time.Minute + 2*time.Second)))
	root.End(trace.WithTimestamp(epoch.Add(10 * time.Minute)))
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	exported := time.Now()
	raw, _ := os.ReadFile(path)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
	if err != nil {
		t.Fatal(err)
	}
	spans := map[string]ptrace.Span{}
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, sp := range ss.Spans().All() {
				spans[sp.Name()] = sp
			}
		}
	}
	r, c := spans["trial"], spans["startReplication"]
	if end := r.EndTimestamp().AsTime(); end.After(exported) || end.Before(epoch) {
		t.Fatalf("the trace ends %v after it was exported", end.Sub(exported))
	}
	if got := c.StartTimestamp().AsTime().Sub(r.StartTimestamp().AsTime()); got != 9*time.Minute {
		t.Fatalf("child starts %v into the trial; want 9m", got)
	}
	if got := c.Events().At(0).Timestamp().AsTime().Sub(r.StartTimestamp().AsTime()); got != 9*time.Minute+time.Second {
		t.Fatalf("child's event %v into the trial; want 9m1s", got)
	}
}
