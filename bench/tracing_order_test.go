package bench

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/sim"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The trial span's attributes come out in one fixed order, run after run.
func TestTrialSpanAttributesInFixedOrder(t *testing.T) {
	for run := range 5 {
		exp := tracetest.NewInMemoryExporter()
		tr := Trial{
			Setting: Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 3, Latency: sim.Constant{D: 2 * ms}},
			Options: Options{Scenario: LeaderCrash, Limit: 10 * time.Second},
			Seed:    5, Trace: memoryTracing(exp, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)),
		}
		if _, _, err := RunTrial(tr); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, s := range exp.GetSpans() {
			if !s.Parent.IsValid() {
				for _, kv := range s.Attributes {
					if strings.HasSuffix(string(kv.Key), "_ms") {
						keys = append(keys, string(kv.Key))
					}
				}
			}
		}
		want := []string{"raftbench.interval_ms", "raftbench.timeout_min_ms", "raftbench.timeout_max_ms",
			"raftbench.elected_ms", "raftbench.stable_ms", "raftbench.crash_offset_ms"}
		if !slices.Equal(keys, want) {
			t.Fatalf("run %d: trial span's time attributes %v; want %v", run, keys, want)
		}
	}
}
