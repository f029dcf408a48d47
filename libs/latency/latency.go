// Package latency is the one-way delay the harness's in-memory transports add
// to every message: a constant, or a draw from a uniform or normal
// distribution, written as raftbench's -latency flag writes it so a condition
// reads the same on both sides of a comparison.
package latency

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Dist is a one-way latency distribution.
type Dist interface {
	// Draw returns one message's delay; never negative.
	Draw(r *rand.Rand) time.Duration
	// String is the parseable form, as Parse accepts it.
	String() string
	// Mean is the expected delay, for reports and test tolerances.
	Mean() time.Duration
}

// Constant delays every message by D.
type Constant struct{ D time.Duration }

func (c Constant) Draw(*rand.Rand) time.Duration { return c.D }
func (c Constant) String() string                { return "constant:" + c.D.String() }
func (c Constant) Mean() time.Duration           { return c.D }

// Uniform draws uniformly from [Min, Max].
type Uniform struct{ Min, Max time.Duration }

func (u Uniform) Draw(r *rand.Rand) time.Duration {
	if u.Max <= u.Min {
		return u.Min
	}
	return u.Min + time.Duration(r.Int64N(int64(u.Max-u.Min)+1))
}
func (u Uniform) String() string      { return fmt.Sprintf("uniform:%v..%v", u.Min, u.Max) }
func (u Uniform) Mean() time.Duration { return (u.Min + u.Max) / 2 }

// Normal draws from a normal distribution, redrawn below zero: a delay cannot
// be negative, and clamping at zero would pile mass on an impossible value.
type Normal struct{ Mu, Sigma time.Duration }

func (n Normal) Draw(r *rand.Rand) time.Duration {
	for i := 0; i < 100; i++ {
		d := time.Duration(float64(n.Mu) + r.NormFloat64()*float64(n.Sigma))
		if d >= 0 {
			return d
		}
	}
	return 0 // a mean far below zero; Parse refuses it, so unreachable from flags
}
func (n Normal) String() string      { return fmt.Sprintf("normal:%v,%v", n.Mu, n.Sigma) }
func (n Normal) Mean() time.Duration { return n.Mu }
