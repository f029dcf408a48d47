package traces

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// fileExporter streams spans to one OTLP/JSON document: it keeps at most
// fileBatch spans in memory and writes them, converted, as further elements
// of the document's resourceSpans array, so a long traced run holds a batch,
// not every span. The file stays one document (Jaeger's "Upload JSON" and
// /api/transform read exactly one); an OTLP resource may appear in several
// elements, which OTLP allows.
type fileExporter struct {
	path    string
	mu      sync.Mutex
	f       *os.File
	w       *bufio.Writer
	pending []sdktrace.ReadOnlySpan
	written int // spans written so far
	any     bool
	err     error // the first write error; later writes are skipped
}

// fileBatch is how many spans the file exporter holds before writing them:
// a few trials' worth, a few MB.
const fileBatch = 4096

const (
	docHead = `{"resourceSpans":[`
	docTail = `]}`
)

func newFileExporter(path string) (*fileExporter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	w.WriteString(docHead)
	return &fileExporter{path: path, f: f, w: w}, nil
}

func (f *fileExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, spans...)
	if len(f.pending) >= fileBatch {
		f.flushLocked()
	}
	return nil
}

func (f *fileExporter) Shutdown(context.Context) error { return nil }

// flushLocked writes the pending spans as elements of the resourceSpans
// array.
func (f *fileExporter) flushLocked() {
	spans := f.pending
	f.pending = f.pending[:0]
	if len(spans) == 0 || f.err != nil {
		return
	}
	raw, err := (&ptrace.JSONMarshaler{}).MarshalTraces(ToPdata(spans))
	clear(spans) // let the spans go
	if err != nil {
		f.err = err
		return
	}
	if !bytes.HasPrefix(raw, []byte(docHead)) || !bytes.HasSuffix(raw, []byte(docTail)) {
		f.err = fmt.Errorf("unexpected OTLP/JSON from the marshaler: %.40s", raw)
		return
	}
	if f.any {
		f.w.WriteByte(',')
	}
	f.any = true
	f.w.Write(raw[len(docHead) : len(raw)-len(docTail)])
	f.written += len(spans)
}

// close writes what is pending and ends the document.
func (f *fileExporter) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushLocked()
	f.w.WriteString(docTail)
	f.w.WriteByte('\n')
	err := f.w.Flush()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if f.err != nil {
		return f.err
	}
	return err
}

// ToPdata converts SDK spans to the Collector's data model, grouping them by
// resource (service) and instrumentation scope as OTLP does.
func ToPdata(spans []sdktrace.ReadOnlySpan) ptrace.Traces {
	td := ptrace.NewTraces()
	type scopeKey struct{ resource, scope string }
	resources := map[string]ptrace.ResourceSpans{}
	scopes := map[scopeKey]ptrace.ScopeSpans{}
	for _, s := range spans {
		rkey := s.Resource().Encoded(attribute.DefaultEncoder())
		rs, ok := resources[rkey]
		if !ok {
			rs = td.ResourceSpans().AppendEmpty()
			putAttributes(rs.Resource().Attributes(), s.Resource().Attributes())
			resources[rkey] = rs
		}
		sk := scopeKey{rkey, s.InstrumentationScope().Name + "@" + s.InstrumentationScope().Version}
		ss, ok := scopes[sk]
		if !ok {
			ss = rs.ScopeSpans().AppendEmpty()
			ss.Scope().SetName(s.InstrumentationScope().Name)
			ss.Scope().SetVersion(s.InstrumentationScope().Version)
			scopes[sk] = ss
		}
		out := ss.Spans().AppendEmpty()
		sc := s.SpanContext()
		out.SetTraceID(pcommon.TraceID(sc.TraceID()))
		out.SetSpanID(pcommon.SpanID(sc.SpanID()))
		out.SetFlags(uint32(sc.TraceFlags()))
		if p := s.Parent(); p.IsValid() {
			out.SetParentSpanID(pcommon.SpanID(p.SpanID()))
		}
		out.SetName(s.Name())
		out.SetKind(spanKind(s.SpanKind()))
		out.SetStartTimestamp(pcommon.NewTimestampFromTime(s.StartTime()))
		out.SetEndTimestamp(pcommon.NewTimestampFromTime(s.EndTime()))
		putAttributes(out.Attributes(), s.Attributes())
		for _, e := range s.Events() {
			ev := out.Events().AppendEmpty()
			ev.SetName(e.Name)
			ev.SetTimestamp(pcommon.NewTimestampFromTime(e.Time))
			putAttributes(ev.Attributes(), e.Attributes)
		}
		switch s.Status().Code {
		case codes.Error:
			out.Status().SetCode(ptrace.StatusCodeError)
			out.Status().SetMessage(s.Status().Description)
		case codes.Ok:
			out.Status().SetCode(ptrace.StatusCodeOk)
		}
	}
	return td
}

func spanKind(k trace.SpanKind) ptrace.SpanKind {
	switch k {
	case trace.SpanKindInternal:
		return ptrace.SpanKindInternal
	case trace.SpanKindServer:
		return ptrace.SpanKindServer
	case trace.SpanKindClient:
		return ptrace.SpanKindClient
	case trace.SpanKindProducer:
		return ptrace.SpanKindProducer
	case trace.SpanKindConsumer:
		return ptrace.SpanKindConsumer
	}
	return ptrace.SpanKindUnspecified
}

func putAttributes(m pcommon.Map, attrs []attribute.KeyValue) {
	for _, kv := range attrs {
		k := string(kv.Key)
		switch kv.Value.Type() {
		case attribute.BOOL:
			m.PutBool(k, kv.Value.AsBool())
		case attribute.INT64:
			m.PutInt(k, kv.Value.AsInt64())
		case attribute.FLOAT64:
			m.PutDouble(k, kv.Value.AsFloat64())
		default:
			m.PutStr(k, kv.Value.Emit())
		}
	}
}
