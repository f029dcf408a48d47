package bench

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Timings below the floor are refused up front, naming the flag and the
// floor, whether they come from -interval or -election-timeout.
func TestTimingsBelowTheFloorAreRefused(t *testing.T) {
	cases := []struct {
		field  string
		change func(*Grid)
	}{
		{"interval", func(g *Grid) { g.Intervals = Durations{time.Nanosecond} }},
		{"interval", func(g *Grid) { g.Intervals = Durations{50 * time.Microsecond} }},
		{"interval", func(g *Grid) { g.Intervals = Durations{100 * ms, 999 * time.Microsecond} }},
		{"election-timeout", func(g *Grid) {
			g.Intervals = Durations{MinTiming}
			g.Timeouts = TimeoutRanges{{min: 500 * time.Microsecond, max: 2 * ms}}
		}},
	}
	for _, tc := range cases {
		g, o := DefaultGrid(), DefaultOptions()
		tc.change(&g)
		_, err := g.Expand(o)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), MinTiming.String()) ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v; want one line naming -%s and the %v floor", tc.field, err, tc.field, MinTiming)
		}
	}
	// The floor itself is accepted.
	g, o := DefaultGrid(), DefaultOptions()
	g.Intervals, g.Timeouts = Durations{MinTiming}, TimeoutRanges{{min: MinTiming, max: 2 * MinTiming}}
	if _, err := g.Expand(o); err != nil {
		t.Fatalf("interval and timeout at the floor: %v", err)
	}
}
