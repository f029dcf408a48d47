// Package traces sets up where raftbench's OpenTelemetry spans go: an OTLP
// endpoint over gRPC or HTTP (the official exporters), and an OTLP/JSON file
// written with the OpenTelemetry Collector's pdata marshaler, the form
// Jaeger's "Upload JSON" and /api/transform accept. Each Raft peer gets its
// own tracer provider, so each is its own service (raft-peer-0, ...). Export
// failures are reported once and never stop or slow a benchmark.
package traces
