package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Wiring is the state of a cluster's links — which peers are connected,
// the partition groups, the one-way cuts — and the draws of a message's
// fate on them (loss, latency) as Network defines them. The simulated
// network and package live's link proxies both carry messages through
// one, so that a fault and a -latency or -loss model mean the same in both
// worlds. It does not lock: its owner does.
type Wiring struct {
	cfg       Network
	rng       *rand.Rand
	connected []bool
	group     []int         // peers talk only within a group
	cut       map[Link]bool // one-way links that carry nothing
}

// NewWiring wires n connected peers, drawing from rng.
func NewWiring(n int, cfg Network, rng *rand.Rand) *Wiring {
	w := &Wiring{cfg: cfg, rng: rng, connected: make([]bool, n), group: make([]int, n)}
	for i := range w.connected {
		w.connected[i] = true
	}
	return w
}

// Up reports whether a message from one peer to another gets through.
func (w *Wiring) Up(from, to int) bool {
	return w.connected[from] && w.connected[to] && w.group[from] == w.group[to] && !w.cut[Link{from, to}]
}

// Lost draws whether one message is lost.
func (w *Wiring) Lost() bool { return w.cfg.Loss > 0 && w.rng.Float64() < w.cfg.Loss }

// Latency draws one message's delay on the link from -> to.
func (w *Wiring) Latency(from, to int) time.Duration {
	model := w.cfg.Latency
	if l, ok := w.cfg.Links[Link{from, to}]; ok {
		model = l
	}
	if model == nil {
		return 0
	}
	return model.Sample(w.rng)
}

// The faults: each changes the wiring and returns how the timeline names
// it (Event.Fault).

// SetConnected connects or disconnects peer i.
func (w *Wiring) SetConnected(i int, up bool) string {
	w.connected[i] = up
	if up {
		return "connect"
	}
	return "disconnect"
}

// Partition splits the peers into groups (see PartitionGroups); they must
// be valid.
func (w *Wiring) Partition(groups ...[]int) string {
	assign, err := PartitionGroups(len(w.group), groups...)
	if err != nil {
		panic(fmt.Sprintf("sim: Wiring.Partition of unchecked groups: %v", err))
	}
	copy(w.group, assign)
	return fmt.Sprint("partition ", groups)
}

// Heal removes any partition; disconnected peers and cut links stay so.
func (w *Wiring) Heal() string {
	clear(w.group)
	return "heal"
}

// SetCut cuts or restores the link from -> to, in that direction only.
func (w *Wiring) SetCut(from, to int, cut bool) string {
	if w.cut == nil {
		w.cut = map[Link]bool{}
	}
	if cut {
		w.cut[Link{from, to}] = true
		return fmt.Sprintf("cut link %d->%d", from, to)
	}
	delete(w.cut, Link{from, to})
	return fmt.Sprintf("restore link %d->%d", from, to)
}

// CheckLink says why from -> to is not a link of a cluster of n peers, or
// returns nil.
func CheckLink(n, from, to int) error {
	for _, p := range []int{from, to} {
		if p < 0 || p >= n {
			return fmt.Errorf("no such peer %d; want 0..%d", p, n-1)
		}
	}
	if from == to {
		return fmt.Errorf("a peer has no link to itself")
	}
	return nil
}

// NetworkRNG is the random source of a cluster's links for seed, the same
// for the simulated network and for live's proxies.
func NetworkRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed^0x6a09e667f3bcc909, seed+1))
}
