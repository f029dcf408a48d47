package traces

import (
	"context"
	"os"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// fileExporter keeps every span and writes them as one OTLP/JSON document
// when flushed.
type fileExporter struct {
	path  string
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

func (f *fileExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	f.mu.Lock()
	f.spans = append(f.spans, spans...)
	f.mu.Unlock()
	return nil
}

func (f *fileExporter) Shutdown(context.Context) error { return nil }

// write marshals everything exported so far to the file.
func (f *fileExporter) write() error {
	f.mu.Lock()
	td := ToPdata(f.spans)
	f.mu.Unlock()
	raw, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		return err
	}
	return os.WriteFile(f.path, raw, 0o644)
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
