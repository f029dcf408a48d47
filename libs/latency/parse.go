package latency

import (
	"fmt"
	"strings"
	"time"
)

// Forms lists what Parse accepts, for flag help and errors.
const Forms = "5ms | constant:5ms | uniform:4ms..6ms | normal:5ms,1ms (mean,stddev)"

// Parse reads a latency in one of Forms.
func Parse(s string) (Dist, error) {
	kind, args, ok := strings.Cut(s, ":")
	if !ok {
		kind, args = "constant", s
	}
	bad := func(err error) (Dist, error) {
		if err != nil {
			return nil, fmt.Errorf("latency %q: %v; want %s", s, err, Forms)
		}
		return nil, fmt.Errorf("latency %q: want %s", s, Forms)
	}
	switch kind {
	case "constant", "const":
		d, err := time.ParseDuration(args)
		if err != nil {
			return bad(err)
		}
		if d < 0 {
			return bad(fmt.Errorf("negative delay"))
		}
		return Constant{d}, nil
	case "uniform":
		lo, hi, ok := strings.Cut(args, "..")
		if !ok {
			return bad(nil)
		}
		min, err := time.ParseDuration(lo)
		if err != nil {
			return bad(err)
		}
		max, err := time.ParseDuration(hi)
		if err != nil {
			return bad(err)
		}
		if min < 0 || max < min {
			return bad(fmt.Errorf("want 0 <= MIN <= MAX"))
		}
		return Uniform{min, max}, nil
	case "normal":
		m, sd, ok := strings.Cut(args, ",")
		if !ok {
			return bad(nil)
		}
		mu, err := time.ParseDuration(m)
		if err != nil {
			return bad(err)
		}
		sigma, err := time.ParseDuration(sd)
		if err != nil {
			return bad(err)
		}
		if mu < 0 || sigma < 0 {
			return bad(fmt.Errorf("want a mean and stddev >= 0"))
		}
		return Normal{mu, sigma}, nil
	}
	return bad(nil)
}
