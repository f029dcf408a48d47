package bench

import (
	"strings"
	"testing"
)

// TestSteadyPhaseRPCsSayWhatTheyCount: a steady trial's phase RPC counts
// run from boot to the first stable leader, not over its -duration.
func TestSteadyPhaseRPCsSayWhatTheyCount(t *testing.T) {
	p := PointSummary{Trials: 1, Converged: 1, Setting: Setting{Interval: 50 * ms, TimeoutMin: 100 * ms, TimeoutMax: 200 * ms, Nodes: 5}}
	var b strings.Builder
	if err := WriteTable(&b, Options{Scenario: Steady}, []PointSummary{p, p}); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if strings.Contains(text, "steady run") || !strings.Contains(text, "RPCs per start-up (boot to first stable leader):") || !strings.Contains(text, "RV/start-up") {
		t.Errorf("steady table:\n%s", text)
	}
}
