package bench

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The range and list syntax of a sweep's axes. Each axis is a flag.Value:
// Set parses the whole list (a later Set replaces it) and String gives it
// back in the same syntax, which -h shows as the default.

// maxSweepValues bounds one list, and a grid's settings, so a typo cannot
// ask for a million-point sweep.
const maxSweepValues = 1000

// The axes of a grid, each a list.
type (
	// Durations: "75ms", "50ms,100ms", "50ms..200ms" (default step) or
	// "50ms..200ms:25ms", and combinations separated by commas; every value
	// positive.
	Durations []time.Duration
	// TimeoutRanges: election-timeout ranges, each one setting (see
	// parseTimeoutRanges).
	TimeoutRanges []TimeoutRange
	// NodeCounts: cluster sizes, "5" or "3,5,7" (checked against the
	// scenario by Setting.Validate).
	NodeCounts []int
	// Losses: message-loss probabilities, "0.01" or "0,0.01,0.05".
	Losses []float64
)

func (d *Durations) Set(s string) error     { return setList(d, parseDurationList, s) }
func (t *TimeoutRanges) Set(s string) error { return setList(t, parseTimeoutRanges, s) }
func (n *NodeCounts) Set(s string) error    { return setList(n, parseNodes, s) }
func (l *Losses) Set(s string) error        { return setList(l, parseLosses, s) }

func (d Durations) String() string {
	return joinList(d, func(v time.Duration) string { return v.String() })
}
func (t TimeoutRanges) String() string { return joinList(t, TimeoutRange.String) }
func (n NodeCounts) String() string    { return joinList(n, strconv.Itoa) }
func (l Losses) String() string {
	return joinList(l, func(p float64) string { return strconv.FormatFloat(p, 'g', -1, 64) })
}

// setList parses s into *p, which an error leaves as it was.
func setList[L any](p *L, parse func(string) (L, error), s string) error {
	v, err := parse(s)
	if err == nil {
		*p = v
	}
	return err
}

// joinList writes a list back as a comma-separated flag value.
func joinList[T any](list []T, format func(T) string) string {
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = format(v)
	}
	return strings.Join(parts, ",")
}

// parseDurationList reads "75ms", "50ms,100ms", "50ms..200ms" (default step)
// or "50ms..200ms:25ms", and combinations separated by commas.
func parseDurationList(s string) (Durations, error) {
	var out []time.Duration
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "..")
		if !isRange {
			d, err := positiveDuration(item)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
			continue
		}
		hi, stepText, hasStep := strings.Cut(hi, ":")
		a, b, err := durationRange(item, lo, hi)
		if err != nil {
			return nil, err
		}
		var values []time.Duration
		if hasStep {
			step, err := positiveDuration(stepText)
			if err != nil {
				return nil, fmt.Errorf("step of %q: %v", item, err)
			}
			if (b-a)/step >= maxSweepValues {
				return nil, fmt.Errorf("range %q has more than %d values; use a larger step", item, maxSweepValues)
			}
			for v := a; v <= b; v += step {
				values = append(values, v)
			}
		} else {
			values = defaultSteps(a, b)
		}
		out = append(out, values...)
	}
	if len(out) > maxSweepValues {
		return nil, fmt.Errorf("%d values; at most %d", len(out), maxSweepValues)
	}
	return out, nil
}

// durationRange reads the two ends of the range item, positive and in order.
func durationRange(item, lo, hi string) (a, b time.Duration, err error) {
	if a, err = positiveDuration(lo); err != nil {
		return 0, 0, err
	}
	if b, err = positiveDuration(hi); err != nil {
		return 0, 0, err
	}
	if b < a {
		return 0, 0, fmt.Errorf("range %q is reversed; want MIN..MAX with MIN <= MAX", item)
	}
	return a, b, nil
}

func positiveDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not positive; want a duration above zero", s)
	}
	return d, nil
}

// durationSyntax is what time.ParseDuration reads, whatever the size.
var durationSyntax = regexp.MustCompile(`^[-+]?((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$`)

// ParseDuration is time.ParseDuration with errors that say what is wrong:
// a value too large for a Duration is said to overflow, not to be no
// duration.
func ParseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil {
		return d, nil
	}
	if durationSyntax.MatchString(s) {
		return 0, fmt.Errorf("%q overflows: a duration is at most %v (about 292 years)", s, time.Duration(math.MaxInt64).Truncate(time.Hour))
	}
	return 0, fmt.Errorf("%q is not a duration; want a number with a unit, e.g. 75ms or 1.5s", s)
}

// niceSteps are the step sizes a person would pick: 1, 2, 2.5 and 5 times
// a power of ten, up to the largest a Duration holds.
func niceSteps() []time.Duration {
	var steps []time.Duration
	for p := time.Duration(1); p <= math.MaxInt64/10; p *= 10 {
		steps = append(steps, p, 2*p, p*5/2, 5*p)
	}
	return steps
}

// grain is what every value a step reaches from a round start is a
// multiple of: the power of ten of a 1, 2 or 5 step, half of it for a 2.5
// step (25ms steps from 50ms give 75ms, a multiple of 5ms).
func grain(step time.Duration) time.Duration {
	g := time.Duration(1)
	for g*10 <= step {
		g *= 10
	}
	if step == g*5/2 && g >= 10 {
		return g / 2
	}
	return g
}

// defaultSteps splits a..b into 4 to 8 round values: the smallest nice step
// that divides the range exactly into that many values, or else the smallest
// nice step giving at most 8 values, with b added at the end. The steps count
// from a when a is a multiple of the step's grain (100ms..1s: 100ms, 300ms,
// ..., 900ms, 1s); from any other a they fall on the multiples of the step
// instead, so that the values between the ends stay round (1ms..10s: 1ms,
// 2s, 4s, 6s, 8s, 10s, where counting from 1ms gave 2.001s).
func defaultSteps(a, b time.Duration) []time.Duration {
	if a == b {
		return []time.Duration{a}
	}
	span := b - a
	for _, st := range niceSteps() {
		if n := span/st + 1; span%st == 0 && n >= 4 && n <= 8 && a%grain(st) == 0 {
			return stepsFrom(a, b, st)
		}
	}
	for _, st := range niceSteps() {
		if a%grain(st) == 0 {
			if span/st+1 <= 8 {
				return stepsFrom(a, b, st)
			}
		} else if values := stepsOnMultiples(a, b, st); len(values) <= 8 {
			return values
		}
	}
	panic("no step divides a Duration range into 8 values") // the largest step does
}

// stepsFrom is a, a+step, ... up to b, and b.
func stepsFrom(a, b, step time.Duration) []time.Duration {
	var values []time.Duration
	for v := a; v <= b && v >= a; v += step { // v < a: past the largest Duration
		values = append(values, v)
	}
	if values[len(values)-1] != b {
		values = append(values, b)
	}
	return values
}

// stepsOnMultiples is a, the multiples of step between a and b at least half
// a step from either end, and b.
func stepsOnMultiples(a, b, step time.Duration) []time.Duration {
	values := []time.Duration{a}
	for m := (a/step + 1) * step; m < b && m > a; m += step {
		if m-a >= step/2 && b-m >= step/2 {
			values = append(values, m)
		}
		if len(values) > 8 {
			break
		}
	}
	return append(values, b)
}

// TimeoutRange is one election-timeout setting: durations, or multiples of
// the heartbeat interval ("3x..6x").
type TimeoutRange struct {
	min, max   time.Duration
	minX, maxX float64 // used when multiple is set
	multiple   bool
}

// Resolve is the range for a heartbeat interval.
func (t TimeoutRange) Resolve(interval time.Duration) (time.Duration, time.Duration) {
	if !t.multiple {
		return t.min, t.max
	}
	scale := func(x float64) time.Duration { return time.Duration(math.Round(x * float64(interval))) }
	return scale(t.minX), scale(t.maxX)
}

func (t TimeoutRange) String() string {
	if t.multiple {
		return fmt.Sprintf("%gx..%gx", t.minX, t.maxX)
	}
	return fmt.Sprintf("%v..%v", t.min, t.max)
}

// parseTimeoutRanges reads "150ms..300ms", "150ms" (a fixed timeout),
// "2x..4x" (multiples of the interval), and comma-separated lists of those.
func parseTimeoutRanges(s string) (TimeoutRanges, error) {
	var out []TimeoutRange
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "..")
		if !isRange {
			hi = lo
		}
		loX, hiX := strings.HasSuffix(strings.TrimSpace(lo), "x"), strings.HasSuffix(strings.TrimSpace(hi), "x")
		if loX != hiX {
			return nil, fmt.Errorf("range %q mixes a multiple and a duration; want both ends as durations (150ms..300ms) or both as multiples (2x..4x)", item)
		}
		var r TimeoutRange
		if loX {
			a, err := positiveMultiple(lo)
			if err != nil {
				return nil, err
			}
			b, err := positiveMultiple(hi)
			if err != nil {
				return nil, err
			}
			r = TimeoutRange{minX: a, maxX: b, multiple: true}
			if b < a {
				return nil, fmt.Errorf("range %q is reversed; want MIN..MAX with MIN <= MAX", item)
			}
		} else {
			a, b, err := durationRange(item, lo, hi)
			if err != nil {
				return nil, err
			}
			r = TimeoutRange{min: a, max: b}
		}
		out = append(out, r)
	}
	return out, nil
}

func positiveMultiple(s string) (float64, error) {
	s = strings.TrimSpace(s)
	x, err := strconv.ParseFloat(strings.TrimSuffix(s, "x"), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q is not a multiple; want a number followed by x, e.g. 3x", s)
	}
	if x <= 0 {
		return 0, fmt.Errorf("%q is not positive; want a multiple above zero", s)
	}
	return x, nil
}

// parseNodes reads "5" or "3,5,7".
func parseNodes(s string) (NodeCounts, error) {
	var out []int
	for _, item := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(item))
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number of nodes", strings.TrimSpace(item))
		}
		out = append(out, n)
	}
	return out, nil
}

// parseLosses reads "0.01" or "0,0.01,0.05": probabilities in [0, 1).
func parseLosses(s string) (Losses, error) {
	var out []float64
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		p, err := strconv.ParseFloat(item, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number; want a probability such as 0.01", item)
		}
		if !(p >= 0 && p < 1) {
			return nil, fmt.Errorf("%v is outside [0, 1); want a probability such as 0.01", p)
		}
		out = append(out, p)
	}
	return out, nil
}
