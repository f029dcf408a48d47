package sim_test

import (
	"fmt"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
)

// The README's example, run with the tests so it stays true: the same seed
// gives the same run, so its output is checked.
func ExampleNewCluster() {
	c, err := sim.NewCluster(sim.Config{
		Nodes: 5,
		Seed:  1,
		Raft: raft.Config{HeartbeatInterval: 75 * time.Millisecond,
			ElectionTimeoutMin: 150 * time.Millisecond, ElectionTimeoutMax: 300 * time.Millisecond},
		Network: sim.Network{Latency: sim.Normal{Mean: 5 * time.Millisecond, StdDev: time.Millisecond}, Loss: 0.01},
	})
	if err != nil {
		panic(err)
	}
	defer c.Stop()
	c.RunFor(time.Second)
	leader, _ := c.Leader()
	if err := c.Crash(leader); err != nil {
		panic(err)
	}
	crashed := c.Now()
	c.RunUntil(5*time.Second, func(e sim.Event) bool { return e.Kind == sim.StateChange && e.Role == raft.Leader })
	fmt.Println("new leader after", c.Now()-crashed, c.Stats(), c.Err())
	// Output: new leader after 158.553372ms {{48 48 47 1} {8 7 6 1}} <nil>
}
