package traces

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Config says where spans go. With neither Endpoint nor File, Enabled is
// false and nothing is set up.
type Config struct {
	// Endpoint is an OTLP receiver, host:port (e.g. 127.0.0.1:4317) or a
	// URL (http://127.0.0.1:4318).
	Endpoint string
	// Protocol is "grpc" (default) or "http".
	Protocol string
	// File receives every span as one OTLP/JSON document, written as the
	// run goes.
	File string
	// Block makes the OTLP exporter's queue wait for the receiver when it
	// is full instead of dropping spans (the file never drops).
	Block bool
	// Errors receives the one report of a failing export (nil: discarded).
	Errors io.Writer
	// PassThrough exports each span as it ends instead of holding a trace
	// until its root ends: for a peer process, whose spans are on the wall
	// clock already and whose traces' roots are the driver's, in another
	// process (held, they would wait for a root that never ends here, and
	// die with the process when it is killed).
	PassThrough bool
}

// Enabled reports whether any destination is set.
func (c Config) Enabled() bool { return c.Endpoint != "" || c.File != "" }

// Validate names a setting that cannot work, as the flag that sets it
// (this package imports nothing of raftbench's, so the message names it).
// Protocol "" is grpc; a protocol given without an endpoint is a mistake.
// The trace file's folder must exist and be writable, so that a long run
// does not fail at its end.
func (c Config) Validate() error {
	switch c.Protocol {
	case "", "grpc", "http":
	default:
		return fmt.Errorf("-otlp-protocol %q: want grpc or http", c.Protocol)
	}
	if c.Protocol != "" && c.Endpoint == "" {
		return fmt.Errorf("-otlp-protocol %q: needs -otlp-endpoint", c.Protocol)
	}
	if c.Block && c.Endpoint == "" {
		return fmt.Errorf("-trace-block: needs -otlp-endpoint (the file never drops spans)")
	}
	if c.File != "" {
		if fi, err := os.Stat(c.File); err == nil && fi.IsDir() {
			return fmt.Errorf("-trace-file %q: is a folder; want a file name", c.File)
		}
		probe, err := os.CreateTemp(filepath.Dir(c.File), ".raftbench-probe-")
		if err != nil {
			return fmt.Errorf("-trace-file %q: its folder is missing or not writable", c.File)
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	return nil
}

// ServiceRoot is the service of each trial's root span.
const ServiceRoot = "raftbench"

// PeerService names peer i's service.
func PeerService(i int) string { return fmt.Sprintf("raft-peer-%d", i) }

// Setup is a set of tracer providers, one per service, sharing exporters.
type Setup struct {
	cfg    Config
	otlp   sdktrace.SpanExporter
	file   *fileExporter
	count  counts
	bsp    sdktrace.SpanProcessor // to otlp, if set
	anchor *anchor
	mu     sync.Mutex
	byName map[string]*sdktrace.TracerProvider
	report sync.Once
}

// New sets up the exporters. It does not contact the endpoint: a receiver
// that is down shows up as one reported export failure, later.
func New(ctx context.Context, cfg Config) (*Setup, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var otlp sdktrace.SpanExporter
	if cfg.Endpoint != "" {
		exp, err := newOTLP(ctx, cfg)
		if err != nil {
			return nil, err
		}
		otlp = exp
	}
	return newSetup(cfg, otlp, otlpQueue)
}

// otlpQueue is how many ended spans wait for the OTLP exporter before the
// queue drops (or, with Block, waits).
const otlpQueue = 1 << 16

// newSetup is New with the OTLP exporter (nil: none) and its queue given.
func newSetup(cfg Config, otlp sdktrace.SpanExporter, queue int) (*Setup, error) {
	s := &Setup{cfg: cfg, byName: map[string]*sdktrace.TracerProvider{}, otlp: otlp}
	if otlp != nil {
		// Batched and, unless Block, dropping when full: a slow or dead
		// receiver must not hold the benchmark up unless asked to. The drops
		// are counted (Summary).
		bopts := []sdktrace.BatchSpanProcessorOption{sdktrace.WithMaxQueueSize(queue),
			sdktrace.WithMaxExportBatchSize(min(2048, queue)), sdktrace.WithBatchTimeout(500 * time.Millisecond)}
		if cfg.Block {
			bopts = append(bopts, sdktrace.WithBlocking())
		}
		s.bsp = sdktrace.NewBatchSpanProcessor(sharedExporter{otlp, &s.count}, bopts...)
	}
	if cfg.File != "" {
		f, err := newFileExporter(cfg.File)
		if err != nil {
			return nil, fmt.Errorf("-trace-file %q: %v", cfg.File, err)
		}
		s.file = f
	}
	s.anchor = &anchor{held: map[trace.TraceID][]sdktrace.ReadOnlySpan{}, out: s.emit, now: time.Now, pass: cfg.PassThrough}
	// The SDK reports exporter errors here; say it once and go on.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(s.failed))
	return s, nil
}

func newOTLP(ctx context.Context, cfg Config) (sdktrace.SpanExporter, error) {
	hasScheme := strings.Contains(cfg.Endpoint, "://")
	if cfg.Protocol == "http" {
		opts := []otlptracehttp.Option{otlptracehttp.WithTimeout(5 * time.Second),
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false})}
		if hasScheme {
			opts = append(opts, otlptracehttp.WithEndpointURL(cfg.Endpoint))
		} else {
			opts = append(opts, otlptracehttp.WithEndpoint(cfg.Endpoint), otlptracehttp.WithInsecure())
		}
		return otlptracehttp.New(ctx, opts...)
	}
	opts := []otlptracegrpc.Option{otlptracegrpc.WithTimeout(5 * time.Second),
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false})}
	if hasScheme {
		opts = append(opts, otlptracegrpc.WithEndpointURL(cfg.Endpoint))
	} else {
		opts = append(opts, otlptracegrpc.WithEndpoint(cfg.Endpoint), otlptracegrpc.WithInsecure())
	}
	return otlptracegrpc.New(ctx, opts...)
}

func (s *Setup) failed(err error) {
	s.report.Do(func() {
		if s.cfg.Errors != nil {
			fmt.Fprintf(s.cfg.Errors, "raftbench: exporting traces to %s failed: %v (the benchmark goes on; further trace errors are not shown)\n", s.cfg.Endpoint, err)
		}
	})
}

// Tracer returns the tracer of a service, making its provider on first use.
func (s *Setup) Tracer(service string) trace.Tracer {
	s.mu.Lock()
	defer s.mu.Unlock()
	tp := s.byName[service]
	if tp == nil {
		opts := []sdktrace.TracerProviderOption{
			sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(service))),
			sdktrace.WithSampler(sdktrace.AlwaysSample()),
		}
		opts = append(opts, sdktrace.WithSpanProcessor(providerView{s.anchor}))
		tp = sdktrace.NewTracerProvider(opts...)
		s.byName[service] = tp
	}
	return tp.Tracer("github.com/raftbench/raftbench")
}

// Root is the tracer of each trial's root span.
func (s *Setup) Root() trace.Tracer { return s.Tracer(ServiceRoot) }

// Peer is peer i's tracer.
func (s *Setup) Peer(i int) trace.Tracer { return s.Tracer(PeerService(i)) }

// Shutdown flushes every provider, writes the file, and closes the
// exporter, giving up after ctx's deadline. Export failures were reported
// already; the returned error is only for the file.
func (s *Setup) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tp := range s.byName {
		if err := tp.Shutdown(ctx); err != nil {
			s.failed(err)
		}
	}
	s.anchor.flush()
	if s.bsp != nil {
		if err := s.bsp.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			s.failed(err)
		}
	}
	if s.otlp != nil {
		if err := s.otlp.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			s.failed(err)
		}
	}
	if s.file != nil {
		return s.file.close()
	}
	return nil
}

// emit hands a finished trace's spans to the exporters.
func (s *Setup) emit(spans []sdktrace.ReadOnlySpan) {
	if s.bsp != nil {
		for _, sp := range spans {
			s.count.ended.Add(1)
			s.bsp.OnEnd(sp)
		}
	}
	if s.file != nil {
		s.file.ExportSpans(context.Background(), spans)
	}
}

// anchor holds a trace's spans until its root span ends, then moves the
// whole trace back in time if it ended in the future — a simulated trial
// is stamped from a wall-clock epoch at virtual-time speed, so a 10-minute
// steady run, simulated in a second, would otherwise end ten minutes from
// now — and passes it on. Real-time traces pass unchanged. What it holds is
// the spans of the trials running now.
type anchor struct {
	mu   sync.Mutex
	held map[trace.TraceID][]sdktrace.ReadOnlySpan
	out  func([]sdktrace.ReadOnlySpan)
	now  func() time.Time
	pass bool // Config.PassThrough
}

func (a *anchor) end(sp sdktrace.ReadOnlySpan) {
	if a.pass {
		a.out([]sdktrace.ReadOnlySpan{sp})
		return
	}
	id := sp.SpanContext().TraceID()
	a.mu.Lock()
	spans := append(a.held[id], sp)
	if sp.Parent().IsValid() {
		a.held[id] = spans
		a.mu.Unlock()
		return
	}
	delete(a.held, id)
	a.mu.Unlock()
	if late := sp.EndTime().Sub(a.now()); late > 0 {
		for i, s := range spans {
			spans[i] = shifted{s, -late}
		}
	}
	a.out(spans)
}

// flush passes on the spans of traces whose root never ended.
func (a *anchor) flush() {
	a.mu.Lock()
	held := a.held
	a.held = map[trace.TraceID][]sdktrace.ReadOnlySpan{}
	a.mu.Unlock()
	for _, spans := range held {
		a.out(spans)
	}
}

// providerView is the anchor as each provider's span processor; Setup, not
// the providers, flushes and shuts it down.
type providerView struct{ a *anchor }

func (providerView) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (v providerView) OnEnd(s sdktrace.ReadOnlySpan)                 { v.a.end(s) }
func (providerView) Shutdown(context.Context) error                  { return nil }
func (providerView) ForceFlush(context.Context) error                { return nil }

// shifted is a span moved in time by d.
type shifted struct {
	sdktrace.ReadOnlySpan
	d time.Duration
}

func (s shifted) StartTime() time.Time { return s.ReadOnlySpan.StartTime().Add(s.d) }
func (s shifted) EndTime() time.Time   { return s.ReadOnlySpan.EndTime().Add(s.d) }
func (s shifted) Events() []sdktrace.Event {
	evs := slices.Clone(s.ReadOnlySpan.Events())
	for i := range evs {
		evs[i].Time = evs[i].Time.Add(s.d)
	}
	return evs
}

// Summary is one line on where the spans went, for the end of a run: how
// many reached the endpoint, how many it dropped (its queue full) or lost
// (failed exports, or still queued when Shutdown gave up), and how many the
// file holds. Call it after Shutdown.
func (s *Setup) Summary() string {
	var parts []string
	if s.otlp != nil {
		sent, failed, dropped := s.count.sent.Load(), s.count.failed.Load(), s.Dropped()
		part := fmt.Sprintf("%d spans sent to %s, %d dropped", sent, s.cfg.Endpoint, dropped)
		if dropped > 0 && !s.cfg.Block {
			part += " (the receiver was too slow; -trace-block waits for it instead)"
		}
		if failed > 0 {
			part += fmt.Sprintf(", %d lost in failed exports", failed)
		}
		parts = append(parts, part)
	}
	if s.file != nil {
		parts = append(parts, fmt.Sprintf("%d spans written to %s", s.file.written.Load(), s.file.path))
	}
	return "traces: " + strings.Join(parts, "; ")
}

// Blocking reports whether the OTLP queue waits rather than drops.
func (s *Setup) Blocking() bool { return s.cfg.Block && s.otlp != nil }

// Dropped is how many spans never reached the OTLP exporter: dropped by a
// full queue, or still queued when Shutdown gave up. Call it after Shutdown.
func (s *Setup) Dropped() int64 {
	return max(s.count.ended.Load()-s.count.sent.Load()-s.count.failed.Load(), 0)
}

// counts follows spans through the OTLP pipeline: the batch processor drops
// spans silently when its queue is full, so what it dropped is what ended
// and never reached the exporter.
type counts struct {
	ended, sent, failed atomic.Int64
}

// sharedExporter lets several providers' processors share one exporter
// (each processor shuts its exporter down, but only Setup may), and counts
// what it exports.
type sharedExporter struct {
	sdktrace.SpanExporter
	c *counts
}

func (e sharedExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		e.c.failed.Add(int64(len(spans)))
	} else {
		e.c.sent.Add(int64(len(spans)))
	}
	return err
}

func (sharedExporter) Shutdown(context.Context) error { return nil }
