// Command failover measures how a real Raft library fails over: a cluster
// of in-process nodes joined by an in-memory network with a one-way latency,
// the leader crashed at a random point of its heartbeat interval, T times.
// It prints a table and writes the JSON report.
//
//	go run ./cmd/failover -lib etcd -heartbeat 100ms -election-timeout 1s -trials 200 -json results/etcd.json
//	go run ./cmd/failover -lib hashicorp -heartbeat-timeout 1s -election-timeout 1s -lease-timeout 500ms -fresh
//	go run ./cmd/failover -lib hashicorp -fresh -trials 3 -rate-window 0 -trace -    (every node's timeline on stderr)
//
// hashicorp's followers check for a dead leader on timers that heartbeats
// do not restart, so how it fails over depends on what the cluster did
// before the crash; -fresh gives each trial a cluster of its own, as
// raftbench's leader-crash trial does.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/raftbench/raftbench/libs/failover"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "failover:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("failover", flag.ContinueOnError)
	o := declare(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	setup, err := o.build()
	if err != nil {
		return err
	}
	defer func() {
		for _, c := range setup.closers {
			c.Close()
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	rep := failover.Report{
		Library: setup.library,
		Command: "cd libs && go run ./cmd/failover " + strings.Join(args, " "),
		Date:    time.Now().UTC().Format(time.RFC3339),
		Machine: failover.Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadAvgStart: loadavg()},
		Conditions: failover.Conditions{
			Nodes:    o.nodes,
			Latency:  setup.latency,
			Crash:    "the leader, at a uniform point of [0, heartbeat interval) after it sends a heartbeat",
			Restore:  restore(o.fresh),
			Settings: setup.settings,
		},
	}
	start := time.Now()
	plan := setup.plan
	plan.Progress = func(i int, t failover.Trial) {
		if o.quiet {
			return
		}
		fmt.Fprintf(os.Stderr, "trial %d: crashed %d, new leader %d, time to leader %.1f ms, downtime %.1f ms, converged %v\n",
			i, t.Crashed, t.NewLeader, float64(t.TimeToLeader)/1e6, float64(t.Downtime)/1e6, t.Converged)
	}
	m, err := failover.Run(ctx, setup.cluster, setup.board, plan)
	rep.Fill(m)
	rep.Machine.LoadAvgEnd = loadavg()
	rep.Machine.WallS = time.Since(start).Round(time.Second).Seconds()
	if err != nil && len(m.Trials) == 0 {
		return err
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "failover: stopped after %d trials: %v\n", len(m.Trials), err)
	}
	if err := rep.WriteTable(os.Stdout); err != nil {
		return err
	}
	if o.json != "" {
		f, err := os.Create(o.json)
		if err != nil {
			return err
		}
		if err := rep.WriteJSON(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}

// restore says what happens between two trials.
func restore(fresh bool) string {
	if fresh {
		return "none: each trial boots a new cluster on empty stores and crashes its first leader once every node follows it (raftbench's leader-crash)"
	}
	return "the crashed node restarts on its stores after the trial; the next crash waits for every node to agree on a leader for the settle time"
}

// loadavg is /proc/loadavg's first three fields: the timers are real, so a
// busy machine shows in the figures and the report says how busy it was.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
