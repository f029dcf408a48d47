package hashiraft

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/raftbench/raftbench/libs/failover"
)

// tracer writes a timeline of what the nodes do, one line per event, with
// milliseconds since the cluster started, so that a trial of the real
// library can be read beside raftbench's replay of a simulated one. The
// library's timers cannot be observed directly; what they did shows in the
// transitions (a follower whose heartbeat check found the leader silent
// becomes a candidate and pre-votes).
type tracer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func newTracer(w io.Writer) *tracer {
	if w == nil {
		return nil
	}
	return &tracer{w: w, start: time.Now()}
}

// logf writes one event of node (-1: the harness); a nil tracer writes nothing.
func (t *tracer) logf(node int, format string, args ...any) {
	if t == nil {
		return
	}
	at := time.Since(t.start)
	t.mu.Lock()
	defer t.mu.Unlock()
	who := "harness"
	if node >= 0 {
		who = fmt.Sprintf("n%d", node)
	}
	fmt.Fprintf(t.w, "%11.3fms  %-7s  %s\n", float64(at)/1e6, who, fmt.Sprintf(format, args...))
}

// observed logs what node i's raft reports to observers: state changes,
// leaders learnt or forgotten, and the vote and pre-vote requests it
// handles (reported before it decides them).
func (t *tracer) observed(i int, o *raft.Observation) {
	if t == nil {
		return
	}
	switch d := o.Data.(type) {
	case raft.RaftState:
		t.logf(i, "state %v (term %d)", d, o.Raft.CurrentTerm())
	case raft.LeaderObservation:
		if d.LeaderID == "" {
			t.logf(i, "leader forgotten")
		} else {
			t.logf(i, "leader %s", d.LeaderID)
		}
	case raft.RequestVoteRequest:
		t.logf(i, "handles RequestVote from %s, term %d", d.ID, d.Term)
	case raft.RequestPreVoteRequest:
		t.logf(i, "handles RequestPreVote from %s, term %d", d.ID, d.Term)
	}
}

// answered logs the outcome of an RPC at its caller: votes and pre-votes
// always, AppendEntries only when they fail, as an idle leader sends dozens
// a second.
func (t *tracer) answered(from, to int, args, resp any, err error) {
	if t == nil {
		return
	}
	switch a := args.(type) {
	case *raft.RequestVoteRequest:
		if err != nil {
			t.logf(from, "RequestVote -> n%d term %d: %v", to, a.Term, err)
		} else if r, ok := resp.(*raft.RequestVoteResponse); ok {
			t.logf(from, "RequestVote -> n%d term %d: granted %v (voter's term %d)", to, a.Term, r.Granted, r.Term)
		}
	case *raft.RequestPreVoteRequest:
		if err != nil {
			t.logf(from, "RequestPreVote -> n%d term %d: %v", to, a.Term, err)
		} else if r, ok := resp.(*raft.RequestPreVoteResponse); ok {
			t.logf(from, "RequestPreVote -> n%d term %d: granted %v (voter's term %d)", to, a.Term, r.Granted, r.Term)
		}
	}
}

// delivered logs an AppendEntries handed to node to: what a follower counts
// as contact with its leader (its lastContact is set as it handles it).
func (t *tracer) delivered(from, to int, args any) {
	if t == nil {
		return
	}
	if a, ok := args.(*raft.AppendEntriesRequest); ok {
		k := "append"
		if kind(args) == failover.Heartbeat {
			k = "heartbeat"
		}
		t.logf(to, "%s from n%d, term %d, %d entries", k, from, a.Term, len(a.Entries))
	}
}
