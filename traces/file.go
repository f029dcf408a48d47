package traces

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// fileExporter streams spans to one OTLP/JSON document: it keeps at most
// two batches of fileBatch spans in memory — one filling, one being
// converted and written by a goroutine of its own, off the trials' path —
// so a long traced run holds a few MB, not every span. The file stays one
// document (Jaeger's "Upload JSON" and /api/transform read exactly one);
// an OTLP resource may appear in several elements of its resourceSpans,
// which OTLP allows.
type fileExporter struct {
	path    string
	mu      sync.Mutex
	pending []sdktrace.ReadOnlySpan
	batches chan []sdktrace.ReadOnlySpan // to the writer; holds one
	done    chan struct{}                // closed when the writer has finished

	// The writer's own.
	f       *os.File
	w       *bufio.Writer
	written atomic.Int64 // spans written so far
	any     bool
	err     error // the first write error; later writes are skipped
}

// fileBatch is how many spans the file exporter collects before writing
// them: a trial's worth or so, about a MB.
const fileBatch = 1024

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
	fe := &fileExporter{path: path, f: f, w: w, batches: make(chan []sdktrace.ReadOnlySpan, 1), done: make(chan struct{})}
	go fe.writer()
	return fe, nil
}

func (f *fileExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending == nil {
		f.pending = make([]sdktrace.ReadOnlySpan, 0, fileBatch)
	}
	f.pending = append(f.pending, spans...)
	if len(f.pending) >= fileBatch {
		f.batches <- f.pending // waits while the writer is two batches behind
		f.pending = nil
	}
	return nil
}

func (f *fileExporter) Shutdown(context.Context) error { return nil }

// writer writes each batch as further elements of the resourceSpans array.
func (f *fileExporter) writer() {
	defer close(f.done)
	for spans := range f.batches {
		if f.err != nil {
			continue
		}
		raw, err := (&ptrace.JSONMarshaler{}).MarshalTraces(ToPdata(spans))
		if err != nil {
			f.err = err
			continue
		}
		if !bytes.HasPrefix(raw, []byte(docHead)) || !bytes.HasSuffix(raw, []byte(docTail)) {
			f.err = fmt.Errorf("unexpected OTLP/JSON from the marshaler: %.40s", raw)
			continue
		}
		if f.any {
			f.w.WriteByte(',')
		}
		f.any = true
		if _, err := f.w.Write(raw[len(docHead) : len(raw)-len(docTail)]); err != nil {
			f.err = err
		}
		f.written.Add(int64(len(spans)))
	}
}

// close writes what is pending and ends the document.
func (f *fileExporter) close() error {
	f.mu.Lock()
	if len(f.pending) > 0 {
		f.batches <- f.pending
		f.pending = nil
	}
	close(f.batches)
	f.mu.Unlock()
	<-f.done
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
