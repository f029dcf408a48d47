package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Latency is a model of one-way message delay.
type Latency interface {
	// Sample draws one delay (never negative) from r.
	Sample(r *rand.Rand) time.Duration
	// Validate reports parameters the model cannot use.
	Validate() error
	// MeanDelay is the model's expected delay (a round trip: twice this).
	MeanDelay() time.Duration
	String() string
}

// Constant delays every message by D.
type Constant struct{ D time.Duration }

func (c Constant) Sample(*rand.Rand) time.Duration { return c.D }
func (c Constant) String() string                  { return c.D.String() }
func (c Constant) MeanDelay() time.Duration        { return c.D }
func (c Constant) Validate() error {
	if c.D < 0 {
		return fmt.Errorf("constant latency %v is negative", c.D)
	}
	return nil
}

// Uniform delays messages uniformly in [Min, Max].
type Uniform struct{ Min, Max time.Duration }

func (u Uniform) Sample(r *rand.Rand) time.Duration {
	return u.Min + time.Duration(r.Int64N(int64(u.Max-u.Min)+1))
}
func (u Uniform) String() string           { return fmt.Sprintf("uniform:%v..%v", u.Min, u.Max) }
func (u Uniform) MeanDelay() time.Duration { return (u.Min + u.Max) / 2 }
func (u Uniform) Validate() error {
	if u.Min < 0 || u.Max < u.Min {
		return fmt.Errorf("uniform latency %v..%v: want 0 <= min <= max", u.Min, u.Max)
	}
	return nil
}

// Normal delays messages by a normal distribution truncated at zero: draws
// below zero are redrawn, so the shape above zero is kept.
type Normal struct{ Mean, StdDev time.Duration }

func (n Normal) Sample(r *rand.Rand) time.Duration {
	// A mean far below zero would redraw almost forever; after a few tries
	// fall back to zero, which is where nearly all the mass is anyway.
	for range 64 {
		d := float64(n.Mean) + r.NormFloat64()*float64(n.StdDev)
		if d >= 0 {
			return time.Duration(d)
		}
	}
	return 0
}
func (n Normal) String() string { return fmt.Sprintf("normal:%v,%v", n.Mean, n.StdDev) }

// Mean of the normal truncated at zero: mu + sigma*phi(a)/(1-Phi(a)), a = -mu/sigma.
func (n Normal) MeanDelay() time.Duration {
	if n.StdDev == 0 {
		return n.Mean
	}
	mu, sigma := float64(n.Mean), float64(n.StdDev)
	a := -mu / sigma
	phi := math.Exp(-a*a/2) / math.Sqrt(2*math.Pi)
	tail := 0.5 * math.Erfc(a/math.Sqrt2)
	return time.Duration(mu + sigma*phi/tail)
}
func (n Normal) Validate() error {
	if n.Mean < 0 || n.StdDev < 0 {
		return fmt.Errorf("normal latency mean %v, stddev %v: want both >= 0", n.Mean, n.StdDev)
	}
	return nil
}

// LogNormal delays messages by exp(N(ln Median, Sigma²)): a long right tail,
// the usual shape of datacenter and WAN round trips.
type LogNormal struct {
	Median time.Duration
	Sigma  float64
}

func (l LogNormal) Sample(r *rand.Rand) time.Duration {
	d := float64(l.Median) * math.Exp(l.Sigma*r.NormFloat64())
	// A huge sigma can draw past what a Duration holds; a day is "lost".
	return time.Duration(math.Min(d, float64(24*time.Hour)))
}
func (l LogNormal) String() string { return fmt.Sprintf("lognormal:%v,%g", l.Median, l.Sigma) }
func (l LogNormal) MeanDelay() time.Duration {
	return time.Duration(float64(l.Median) * math.Exp(l.Sigma*l.Sigma/2))
}
func (l LogNormal) Validate() error {
	if l.Median <= 0 || l.Sigma < 0 || math.IsNaN(l.Sigma) || math.IsInf(l.Sigma, 0) {
		return fmt.Errorf("lognormal latency median %v, sigma %g: want median > 0 and a finite sigma >= 0", l.Median, l.Sigma)
	}
	return nil
}

// Exponential delays messages by Min plus an exponential tail of mean Mean.
type Exponential struct{ Min, Mean time.Duration }

func (e Exponential) Sample(r *rand.Rand) time.Duration {
	return e.Min + time.Duration(r.ExpFloat64()*float64(e.Mean))
}
func (e Exponential) String() string {
	if e.Min == 0 {
		return fmt.Sprintf("exponential:%v", e.Mean)
	}
	return fmt.Sprintf("exponential:%v+%v", e.Min, e.Mean)
}
func (e Exponential) MeanDelay() time.Duration { return e.Min + e.Mean }

func (e Exponential) Validate() error {
	if e.Min < 0 || e.Mean < 0 {
		return fmt.Errorf("exponential latency min %v, mean %v: want both >= 0", e.Min, e.Mean)
	}
	return nil
}
