package failover

import (
	"context"
	"strings"
	"testing"
	"time"
)

// stillCluster is a Cluster that cannot reboot; it never gets far enough
// to be asked anything but Start and Close.
type stillCluster struct{ started bool }

func (c *stillCluster) Start() error      { c.started = true; return nil }
func (c *stillCluster) Crash(int)         {}
func (c *stillCluster) Restart(int) error { return nil }
func (c *stillCluster) Close()            {}

// Fresh trials need a cluster that can start over; one that cannot is
// refused before anything boots, rather than silently running successive
// trials that measure another thing.
func TestFreshNeedsARebooter(t *testing.T) {
	c := &stillCluster{}
	_, err := Run(context.Background(), c, NewBoard(3), Plan{Trials: 1, Fresh: true, Heartbeat: time.Millisecond, Limit: time.Second})
	if err == nil || !strings.Contains(err.Error(), "cannot reboot") {
		t.Fatalf("Run with Fresh on a cluster that cannot reboot: error %v, want one saying so", err)
	}
	if c.started {
		t.Error("the cluster was started before the plan was refused")
	}
}
