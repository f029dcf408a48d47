package bench

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// BenchmarkSweep is the CLI's main job at the size: 7 heartbeat
// intervals (50..200ms) x 3 election-timeout ranges (2x..4x, 3x..6x, 5x..10x)
// x 500 leader-crash trials on 5 peers with 5ms latency, on every core.
func BenchmarkSweep(b *testing.B) {
	var settings []Setting
	for iv := 50 * ms; iv <= 200*ms; iv += 25 * ms {
		for _, x := range [][2]time.Duration{{2, 4}, {3, 6}, {5, 10}} {
			settings = append(settings, Setting{Interval: iv, TimeoutMin: x[0] * iv, TimeoutMax: x[1] * iv, Nodes: 5, Latency: sim.Constant{D: 5 * ms}})
		}
	}
	o := DefaultOptions()
	o.Trials = 500
	o.Parallel = runtime.GOMAXPROCS(0)
	for b.Loop() {
		out, err := Sweep(context.Background(), settings, o, nil)
		if err != nil {
			b.Fatal(err)
		}
		if out.Done() != 21*500 {
			b.Fatalf("%d trials done", out.Done())
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/sweep")
}

// BenchmarkTrialTracing shows what tracing costs a leader-crash trial:
// off (the default), through OpenTelemetry's no-op tracer, with the SDK
// writing a -trace-file as the CLI does (sdk: the measured phase in full,
// elections after it, the setup and the fault-free window one span each),
// and the same recording every round (sdk-all: -trace-all). The README's
// Performance section gives the figures.
func BenchmarkTrialTracing(b *testing.B) {
	tr := Trial{
		Setting: Setting{Interval: 75 * ms, TimeoutMin: 150 * ms, TimeoutMax: 300 * ms, Nodes: 5, Latency: sim.Constant{D: 5 * ms}},
		Options: Options{Scenario: LeaderCrash, Limit: 10 * time.Second, Quiet: time.Second},
	}
	noopTracer := noop.NewTracerProvider().Tracer("")
	for _, c := range []struct {
		name  string
		trace func() *TraceConfig
	}{
		{"off", func() *TraceConfig { return nil }},
		{"noop", func() *TraceConfig {
			return &TraceConfig{Root: noopTracer, Peer: func(int) trace.Tracer { return noopTracer }, Epoch: time.Now()}
		}},
		{"sdk", func() *TraceConfig { return fileTracing(b) }},
		{"sdk-all", func() *TraceConfig { c := fileTracing(b); c.All = true; return c }},
	} {
		b.Run(c.name, func(b *testing.B) {
			tr.Trace = c.trace()
			for i := 0; b.Loop(); i++ {
				tr.Seed = uint64(i)
				if _, _, err := RunTrial(tr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
