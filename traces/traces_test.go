package traces

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

func TestFileIsOTLPJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spans.json")
	s, err := New(context.Background(), Config{File: path})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	ctx, root := s.Root().Start(context.Background(), "trial", trace.WithTimestamp(start))
	_, child := s.Peer(3).Start(ctx, "askVoteFromPeer", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(start.Add(150*time.Millisecond)),
		trace.WithAttributes(attribute.Int("raft.peer", 1), attribute.Bool("rpc.ok", true)))
	child.AddEvent("became candidate", trace.WithTimestamp(start.Add(151*time.Millisecond)))
	child.End(trace.WithTimestamp(start.Add(160 * time.Millisecond)))
	root.End(trace.WithTimestamp(start.Add(time.Second)))
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Spec-conformant OTLP/JSON: lowerCamelCase keys, hex ids, integer
	// enums, nanosecond timestamps as strings.
	text := string(raw)
	for _, want := range []string{`"resourceSpans"`, `"scopeSpans"`, `"traceId":"` + root.SpanContext().TraceID().String() + `"`,
		`"spanId":"` + child.SpanContext().SpanID().String() + `"`, `"parentSpanId":"` + root.SpanContext().SpanID().String() + `"`,
		`"kind":3`, `"startTimeUnixNano":"` + "1795694400150000000" + `"`, `"stringValue":"raft-peer-3"`, `"stringValue":"raftbench"`} {
		if !strings.Contains(text, want) {
			t.Errorf("file lacks %s:\n%s", want, text)
		}
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
	if err != nil {
		t.Fatal(err)
	}
	if td.SpanCount() != 2 || td.ResourceSpans().Len() != 2 {
		t.Fatalf("%d spans in %d resources; want 2 in 2 (one per service)", td.SpanCount(), td.ResourceSpans().Len())
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
}

func TestDeadEndpointReportedOnceAndQuick(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens here now
	var errs bytes.Buffer
	s, err := New(context.Background(), Config{Endpoint: addr, Protocol: "grpc", Errors: &errs})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		_, span := s.Peer(i%5).Start(context.Background(), "replicateToPeer")
		span.End()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if took := time.Since(began); took > 8*time.Second {
		t.Fatalf("Shutdown against a dead endpoint took %v", took)
	}
	if n := strings.Count(errs.String(), "\n"); n != 1 || !strings.Contains(errs.String(), addr) {
		t.Fatalf("error report %q; want exactly one line naming %s", errs.String(), addr)
	}
}

func TestConfigValidate(t *testing.T) {
	if (Config{Endpoint: "x:1", Protocol: "udp"}).Validate() == nil || (Config{Protocol: "http"}).Validate() == nil {
		t.Fatal("bad configs accepted")
	}
	if (Config{}).Enabled() || !(Config{File: "f"}).Enabled() {
		t.Fatal("Enabled is wrong")
	}
}
