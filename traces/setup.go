package traces

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	// File receives every span as OTLP/JSON when the run ends.
	File string
	// Errors receives the one report of a failing export (nil: discarded).
	Errors io.Writer
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
	s := &Setup{cfg: cfg, byName: map[string]*sdktrace.TracerProvider{}}
	if cfg.Endpoint != "" {
		exp, err := newOTLP(ctx, cfg)
		if err != nil {
			return nil, err
		}
		s.otlp = exp
	}
	if cfg.File != "" {
		s.file = &fileExporter{path: cfg.File}
	}
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
		if s.otlp != nil {
			// Batched and dropping when full: a slow or dead receiver must
			// never hold the benchmark up.
			opts = append(opts, sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(sharedExporter{s.otlp},
				sdktrace.WithMaxQueueSize(1<<16), sdktrace.WithMaxExportBatchSize(2048), sdktrace.WithBatchTimeout(500*time.Millisecond))))
		}
		if s.file != nil {
			opts = append(opts, sdktrace.WithSyncer(s.file))
		}
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
	if s.otlp != nil {
		if err := s.otlp.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			s.failed(err)
		}
	}
	if s.file != nil {
		return s.file.write()
	}
	return nil
}

// sharedExporter lets several providers' processors share one exporter:
// each processor shuts its exporter down, but only Setup may.
type sharedExporter struct{ sdktrace.SpanExporter }

func (sharedExporter) Shutdown(context.Context) error { return nil }
