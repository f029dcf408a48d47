package latency

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, want, err string
	}{
		{"5ms", "constant:5ms", ""},
		{"constant:5ms", "constant:5ms", ""},
		{"const:0s", "constant:0s", ""},
		{"uniform:4ms..6ms", "uniform:4ms..6ms", ""},
		{"normal:5ms,1ms", "normal:5ms,1ms", ""},
		{"-1ms", "", "negative"},
		{"uniform:6ms..4ms", "", "MIN <= MAX"},
		{"uniform:4ms", "", "want"},
		{"normal:5ms", "", "want"},
		{"pareto:5ms", "", "want"},
		{"fast", "", "invalid duration"},
	} {
		d, err := Parse(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Parse(%q): error %v, want one containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if d.String() != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.in, d, c.want)
		}
		if again, err := Parse(d.String()); err != nil || again != d {
			t.Errorf("Parse(%q.String()) = %v, %v; want it back", c.in, again, err)
		}
	}
}

// TestDraws checks each distribution's range and mean over many draws.
func TestDraws(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		d        Dist
		min, max time.Duration
	}{
		{Constant{5 * time.Millisecond}, 5 * time.Millisecond, 5 * time.Millisecond},
		{Uniform{4 * time.Millisecond, 6 * time.Millisecond}, 4 * time.Millisecond, 6 * time.Millisecond},
		{Normal{5 * time.Millisecond, time.Millisecond}, 0, time.Hour},
		{Normal{0, time.Millisecond}, 0, time.Hour}, // half its mass would be negative: redrawn
	} {
		const n = 20000
		var sum time.Duration
		for i := 0; i < n; i++ {
			x := c.d.Draw(r)
			if x < c.min || x > c.max {
				t.Fatalf("%s drew %v, outside [%v, %v]", c.d, x, c.min, c.max)
			}
			sum += x
		}
		mean := sum / n
		want := c.d.Mean()
		if _, ok := c.d.(Normal); ok && c.d.(Normal).Mu == 0 {
			want = 798 * time.Microsecond // the half-normal's mean, sigma·sqrt(2/pi)
		}
		if diff := mean - want; diff > want/50+time.Microsecond || -diff > want/50+time.Microsecond {
			t.Errorf("%s: mean of %d draws %v, want %v within 2%%", c.d, n, mean, want)
		}
	}
}
