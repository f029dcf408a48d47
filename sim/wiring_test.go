package sim

import (
	"math/rand/v2"
	"testing"
)

func TestWiringFaults(t *testing.T) {
	w := NewWiring(4, Network{}, rand.New(rand.NewPCG(1, 2)))
	up := func(from, to int, want bool) {
		t.Helper()
		if w.Up(from, to) != want {
			t.Errorf("%d->%d up %v; want %v", from, to, !want, want)
		}
	}
	up(0, 1, true)
	if what := w.SetCut(0, 1, true); what != "cut link 0->1" {
		t.Errorf("cut named %q", what)
	}
	up(0, 1, false)
	up(1, 0, true) // one way only
	if what := w.Partition([]int{0, 1}); what != "partition [[0 1]]" {
		t.Errorf("partition named %q", what)
	}
	up(1, 2, false) // 2 and 3 are each alone
	up(2, 3, false)
	w.Heal()
	up(1, 2, true)
	up(0, 1, false) // a heal leaves cuts
	w.SetCut(0, 1, false)
	up(0, 1, true)
	if what := w.SetConnected(3, false); what != "disconnect" {
		t.Errorf("disconnect named %q", what)
	}
	up(3, 0, false)
	up(0, 3, false)
	w.Heal()
	up(0, 3, false) // a heal leaves disconnected peers
	for _, c := range [][2]int{{0, 0}, {-1, 2}, {0, 4}} {
		if CheckLink(4, c[0], c[1]) == nil {
			t.Errorf("%v accepted as a link of 4 peers", c)
		}
	}
	if err := CheckLink(4, 0, 3); err != nil {
		t.Error(err)
	}
}
