package vtime

import "time"

// event is one scheduled wake-up: a parked task to resume (w), a new task
// to start (fn, start) or a callback (fn).
type event struct {
	at    time.Duration
	seq   uint64
	w     *worker
	fn    func()
	start bool
}

func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	return e.seq < o.seq
}

// eventQueue is a binary min-heap ordered by (at, seq). It is typed rather
// than built on container/heap because boxing every event in an interface
// would allocate on the scheduler's hottest path.
type eventQueue []event

func (q *eventQueue) push(e event) {
	*q = append(*q, e)
	h := *q
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !h[i].before(&h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *eventQueue) pop() event {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = event{}
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		small := l
		if r := l + 1; r < len(h) && h[r].before(&h[l]) {
			small = r
		}
		if !h[small].before(&h[i]) {
			break
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
	*q = h
	return top
}
