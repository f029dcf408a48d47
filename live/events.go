package live

import (
	"context"
	"sync"
	"time"

	"github.com/raftbench/raftbench/live/livepb"
	"github.com/raftbench/raftbench/raft"
)

// queue holds values until a consumer takes them, without ever blocking
// the producer: raft reports events with its lock held, and a slow driver
// must not slow elections down.
type queue[T any] struct {
	mu     sync.Mutex
	buf    []T
	notify chan struct{} // one pending wake-up for the consumer
}

func newQueue[T any]() *queue[T] { return &queue[T]{notify: make(chan struct{}, 1)} }

// eventQueue is a peer's events on their way to the driver.
type eventQueue struct{ *queue[*livepb.Event] }

func newEventQueue() eventQueue { return eventQueue{newQueue[*livepb.Event]()} }

// push stamps a peer's event with the process's wall clock and queues it.
func (q eventQueue) push(e *livepb.Event) {
	e.UnixNano = time.Now().UnixNano()
	q.put(e)
}

func (q *queue[T]) put(e T) {
	q.mu.Lock()
	q.buf = append(q.buf, e)
	q.mu.Unlock()
	q.wake()
}

// take waits for values and returns all that are queued, or nil when ctx
// is done.
func (q *queue[T]) take(ctx context.Context) []T {
	for {
		q.mu.Lock()
		if len(q.buf) > 0 {
			out := q.buf
			q.buf = nil
			q.mu.Unlock()
			return out
		}
		q.mu.Unlock()
		select {
		case <-q.notify:
		case <-ctx.Done():
			return nil
		}
	}
}

// observer is raft.Observer for a peer process: every report becomes an
// event stamped with the process's wall clock.
type observer struct{ q eventQueue }

func (o observer) StateChanged(peer, term int, role raft.Role) {
	o.q.push(&livepb.Event{Kind: livepb.Event_STATE_CHANGE, Peer: int32(peer), Term: int64(term), Role: int32(role)})
}

func (o observer) VoteGranted(peer, term, candidate int) {
	o.q.push(&livepb.Event{Kind: livepb.Event_VOTE, Peer: int32(peer), Term: int64(term), Other: int32(candidate)})
}

func (o observer) HeartbeatAccepted(peer, term, leader int) {
	o.q.push(&livepb.Event{Kind: livepb.Event_HEARTBEAT, Peer: int32(peer), Term: int64(term), Other: int32(leader)})
}

func (o observer) HeartbeatRound(leader, term int) {
	o.q.push(&livepb.Event{Kind: livepb.Event_HEARTBEAT_ROUND, Peer: int32(leader), Term: int64(term)})
}

// takeNow returns whatever is queued, without waiting.
func (q *queue[T]) takeNow() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.buf
	q.buf = nil
	return out
}

// wake makes a waiting consumer look again (for news that is not a value).
func (q *queue[T]) wake() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}
