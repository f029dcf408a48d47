package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LatencyForms lists the accepted spellings of a latency model, for help
// text and error messages.
const LatencyForms = "5ms | constant:5ms | uniform:2ms..8ms | normal:5ms,1ms (mean,stddev) | lognormal:5ms,0.5 (median,sigma) | exponential:5ms (mean) | exponential:1ms+5ms (min+mean) | empirical:FILE (measured samples, e.g. from raftbench probe)"

// ParseLatency reads a one-way latency model in one of LatencyForms.
func ParseLatency(s string) (Latency, error) {
	s = strings.TrimSpace(s)
	kind, args, hasKind := strings.Cut(s, ":")
	if !hasKind {
		kind, args = "constant", s
	}
	bad := func(form string, err error) (Latency, error) {
		if err != nil {
			return nil, fmt.Errorf("latency %q: %v; want %s", s, err, form)
		}
		return nil, fmt.Errorf("latency %q: want %s", s, form)
	}
	var model Latency
	switch strings.ToLower(kind) {
	case "constant", "const":
		d, err := parseDuration(args)
		if err != nil {
			return bad("a duration such as 5ms", err)
		}
		model = Constant{d}
	case "uniform":
		lo, hi, ok := strings.Cut(args, "..")
		if !ok {
			return bad("uniform:MIN..MAX, e.g. uniform:2ms..8ms", nil)
		}
		min, err1 := parseDuration(lo)
		max, err2 := parseDuration(hi)
		if err := firstErr(err1, err2); err != nil {
			return bad("uniform:MIN..MAX, e.g. uniform:2ms..8ms", err)
		}
		model = Uniform{min, max}
	case "normal":
		mean, sd, ok := strings.Cut(args, ",")
		if !ok {
			return bad("normal:MEAN,STDDEV, e.g. normal:5ms,1ms", nil)
		}
		m, err1 := parseDuration(mean)
		d, err2 := parseDuration(sd)
		if err := firstErr(err1, err2); err != nil {
			return bad("normal:MEAN,STDDEV, e.g. normal:5ms,1ms", err)
		}
		model = Normal{m, d}
	case "lognormal":
		median, sigma, ok := strings.Cut(args, ",")
		if !ok {
			return bad("lognormal:MEDIAN,SIGMA, e.g. lognormal:5ms,0.5", nil)
		}
		m, err1 := parseDuration(median)
		sg, err2 := strconv.ParseFloat(strings.TrimSpace(sigma), 64)
		if err := firstErr(err1, err2); err != nil {
			return bad("lognormal:MEDIAN,SIGMA, e.g. lognormal:5ms,0.5", err)
		}
		model = LogNormal{m, sg}
	case "exponential", "exp":
		minPart, meanPart, hasMin := strings.Cut(args, "+")
		if !hasMin {
			minPart, meanPart = "0s", args
		}
		min, err1 := parseDuration(minPart)
		mean, err2 := parseDuration(meanPart)
		if err := firstErr(err1, err2); err != nil {
			return bad("exponential:MEAN or exponential:MIN+MEAN, e.g. exponential:1ms+5ms", err)
		}
		model = Exponential{min, mean}
	case "empirical":
		if strings.TrimSpace(args) == "" {
			return bad(EmpiricalForm, nil)
		}
		e, err := LoadEmpirical(strings.TrimSpace(args))
		if err != nil {
			return bad(EmpiricalForm, err)
		}
		model = e
	default:
		return nil, fmt.Errorf("latency %q: unknown model %q; want %s", s, kind, LatencyForms)
	}
	if err := model.Validate(); err != nil {
		return nil, fmt.Errorf("latency %q: %v", s, err)
	}
	return model, nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	return time.ParseDuration(s)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
