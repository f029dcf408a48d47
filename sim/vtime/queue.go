package vtime

import "time"

// event is one scheduled wake-up: a parked task to resume (w), a new task
// to start (w == starting, fn) or a callback (w == nil, fn).
type event struct {
	at  time.Duration
	seq uint64
	w   *worker
	fn  func()
}

// starting marks an event that starts a new task.
var starting = new(worker)

func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// eventQueue orders events by (at, seq). Events for the current instant —
// a third of all in a Raft run: every new task starts "now" — go to a FIFO
// instead of the heap: they were scheduled after every event of that
// instant already in the heap (which were scheduled before time reached
// it), and after each other, so the FIFO keeps (at, seq) order at a
// fraction of a heap operation's cost.
type eventQueue struct {
	heap []event // 4-ary min-heap: half the depth of a binary one
	now  []event // events at the current instant, in seq order, from head on
	head int
}

func (q *eventQueue) len() int { return len(q.heap) + len(q.now) - q.head }

// push adds e; now is the current virtual time, which e.at is not before.
func (q *eventQueue) push(e event, now time.Duration) {
	if e.at == now {
		q.now = append(q.now, e)
		return
	}
	q.heap = append(q.heap, e)
	h := q.heap
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 4
		if !e.before(&h[parent]) {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = e
}

// fromHeap reports whether the next event is the heap's top rather than
// the FIFO's head; the queue must not be empty. A heap event at the FIFO's
// instant was scheduled before any FIFO event, so it goes first.
func (q *eventQueue) fromHeap() bool {
	return q.head == len(q.now) || len(q.heap) > 0 && q.heap[0].at == q.now[q.head].at
}

// peek returns the next event; the queue must not be empty.
func (q *eventQueue) peek() *event {
	if q.fromHeap() {
		return &q.heap[0]
	}
	return &q.now[q.head]
}

// pop removes and returns the next event; the queue must not be empty.
func (q *eventQueue) pop() event {
	if !q.fromHeap() {
		e := q.now[q.head]
		q.now[q.head] = event{}
		q.head++
		if q.head == len(q.now) {
			q.now, q.head = q.now[:0], 0
		}
		return e
	}
	h := q.heap
	top := h[0]
	last := len(h) - 1
	e := h[last]
	h[last] = event{}
	h = h[:last]
	q.heap = h
	if last == 0 {
		return top
	}
	// Sift the last event down from the root, moving smaller children up.
	i := 0
	for {
		c := 4*i + 1
		if c >= last {
			break
		}
		small := c
		for j := c + 1; j < c+4 && j < last; j++ {
			if h[j].before(&h[small]) {
				small = j
			}
		}
		if !h[small].before(&e) {
			break
		}
		h[i] = h[small]
		i = small
	}
	h[i] = e
	return top
}
