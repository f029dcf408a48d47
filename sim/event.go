package sim

import (
	"fmt"
	"time"

	"github.com/raftbench/raftbench/raft"
)

// EventKind says what an Event records.
type EventKind int

const (
	// StateChange: Peer's term or role changed (or Peer started).
	StateChange EventKind = iota
	// Vote: Peer granted its vote in Term to Other.
	Vote
	// Heartbeat: Peer accepted AppendEntries from leader Other in Term.
	Heartbeat
	// RPCDone: an RPC from Peer to Other finished with Outcome.
	RPCDone
	// Fault: the driver injected Fault (crash, restart, ...) on Peer.
	Fault
	// HeartbeatRound: leader Peer started a heartbeat round in Term.
	HeartbeatRound
)

// RPCKind names the two RPCs of leader election.
type RPCKind int

const (
	AppendEntries RPCKind = iota
	RequestVote
)

func (k RPCKind) String() string {
	if k == AppendEntries {
		return "AppendEntries"
	}
	return "RequestVote"
}

// Outcome is how an RPC ended.
type Outcome int

const (
	Replied     Outcome = iota // the reply reached the caller
	LostRequest                // the request was dropped by loss
	LostReply                  // the handler ran but the reply was dropped by loss
	Unreachable                // disconnected or partitioned, at send or on arrival
	TargetDown                 // the target was crashed when the request arrived
	TimedOut                   // the reply would have arrived after the RPC timeout
)

func (o Outcome) String() string {
	switch o {
	case Replied:
		return "replied"
	case LostRequest:
		return "request lost"
	case LostReply:
		return "reply lost"
	case Unreachable:
		return "unreachable"
	case TargetDown:
		return "target down"
	case TimedOut:
		return "timed out"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Event is one entry of a run's timeline.
type Event struct {
	At      time.Duration
	Kind    EventKind
	Peer    int
	Term    int
	Role    raft.Role // StateChange
	Other   int       // Vote: candidate; Heartbeat: leader; RPCDone: target
	RPC     RPCKind   // RPCDone
	Outcome Outcome   // RPCDone
	Fault   string    // Fault: "crash", "restart", "disconnect", "connect", "partition [0 1] [2]", "heal"
}

func (e Event) String() string {
	at := fmt.Sprintf("%10.3fms", float64(e.At)/float64(time.Millisecond))
	switch e.Kind {
	case StateChange:
		return fmt.Sprintf("%s  peer %d  %s in term %d", at, e.Peer, e.Role, e.Term)
	case Vote:
		return fmt.Sprintf("%s  peer %d  votes for %d in term %d", at, e.Peer, e.Other, e.Term)
	case Heartbeat:
		return fmt.Sprintf("%s  peer %d  accepts heartbeat from leader %d, term %d", at, e.Peer, e.Other, e.Term)
	case RPCDone:
		return fmt.Sprintf("%s  peer %d  %s -> %d (term %d): %s", at, e.Peer, e.RPC, e.Other, e.Term, e.Outcome)
	case HeartbeatRound:
		return fmt.Sprintf("%s  peer %d  sends a heartbeat round, term %d", at, e.Peer, e.Term)
	case Fault:
		if e.Peer < 0 {
			return fmt.Sprintf("%s  fault  %s", at, e.Fault)
		}
		return fmt.Sprintf("%s  fault  %s peer %d", at, e.Fault, e.Peer)
	}
	return fmt.Sprintf("%s  event %d", at, int(e.Kind))
}
