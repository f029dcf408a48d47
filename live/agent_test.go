package live

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/raftbench/raftbench/raft"
	"github.com/raftbench/raftbench/sim"
)

// startAgent runs an agent in this process on loopback and returns its
// address; it stops with the test.
func startAgent(t *testing.T, command []string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- RunAgent(ctx, AgentOptions{Listen: "127.0.0.1:0", DataRoot: t.TempDir(), Command: command}, w)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("agent did not start: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, r)
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	})
	return strings.TrimSpace(strings.TrimPrefix(line, AgentListeningPrefix))
}

func TestAgentsSpreadPeersAndFailOver(t *testing.T) {
	l := testLauncher(t)
	agents := []string{startAgent(t, l.Command), startAgent(t, l.Command)}
	al, err := NewAgentLauncher(context.Background(), agents, "run-1/trial-0-0")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		off := al.ClockOffset(i)
		// One host, one clock: the estimate is about zero, within its own
		// uncertainty (plus scheduling noise on a busy machine).
		if off.Uncertainty <= 0 || off.Uncertainty > 5*ms || off.Offset < -off.Uncertainty-ms || off.Offset > off.Uncertainty+ms {
			t.Errorf("agent %d: offset %v ± %v on the driver's own host; want about 0", i, off.Offset, off.Uncertainty)
		}
	}
	c, err := NewCluster(Config{
		Nodes: 3, Seed: 2, Launcher: al,
		Raft:    raft.Config{HeartbeatInterval: 20 * ms, ElectionTimeoutMin: 100 * ms, ElectionTimeoutMax: 200 * ms},
		Network: sim.Network{Latency: sim.Constant{D: ms}, RPCTimeout: 100 * ms},
	})
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	defer func() {
		c.Stop()
		if err := al.Close(); err != nil {
			t.Error(err)
		}
		for _, pid := range pids {
			if !gone(pid) {
				t.Errorf("peer process %d still exists after Stop", pid)
			}
		}
	}()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		pids = append(pids, c.peers[i].proc.PID())
	}
	if u := c.ClockUncertainty(); u <= 0 || u > 10*ms {
		t.Errorf("clock uncertainty %v with agents on loopback; want above 0 and a few ms at most", u)
	}
	leader := func(above int) func(sim.Event) bool {
		return func(e sim.Event) bool { return e.Kind == sim.StateChange && e.Role == raft.Leader && e.Term > above }
	}
	if !c.RunUntil(5*time.Second, leader(0)) {
		t.Fatalf("no leader: %v", c.Err())
	}
	old, _ := c.Leader()
	term, _ := c.State(old)
	pid := c.peers[old].proc.PID()
	if err := c.Crash(old); err != nil {
		t.Fatal(err)
	}
	if !gone(pid) {
		t.Errorf("peer %d (pid %d) survived its crash through the agent", old, pid)
	}
	if !c.RunUntil(5*time.Second, leader(term)) {
		t.Fatalf("no new leader after the crash: %v", c.Err())
	}
	if err := c.Restart(old); err != nil {
		t.Fatal(err)
	}
	pids = append(pids, c.peers[old].proc.PID())
	c.RunFor(100 * ms)
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
}
