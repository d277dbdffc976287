package main

import (
	"runtime"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
)

// Bounds of the work handed to a classification worker at once.
const (
	classBatchMsgs  = 2048
	classBatchBytes = 512 << 10
	classBatches    = 3 // per worker: one being filled, one queued, one in work
)

// asyncClassifier is a flow.StreamFactory that runs SMTP classification
// on worker goroutines while the tracker goes on, each connection on one
// worker (by ID). The tracker stays one and global, so every TCP decision
// is the sequential one; the workers only parse. Records are handed to
// emit on the tracker's goroutine in the order the tracker closed their
// connections, so the output is byte-identical to a sequential run.
//
// Lifecycle: the tracker calls New, Event and Close as for any factory;
// after the tracker's Flush, drain waits for every record and stops the
// workers.
type asyncClassifier struct {
	cls     *classify.Classifier
	emit    func(*classify.Record)
	workers []*classWorker
	results chan []classResult
	seq     uint64 // sequence number of the next Close
	next    uint64 // sequence number of the next record to emit
	pending map[uint64]*classify.Record
}

// classResult is one decided record and its place in the close order.
type classResult struct {
	seq uint64
	rec *classify.Record
}

// classMsg is one event or close for a worker. A payload is kept as an
// offset into the batch's arena, which may move while the batch fills.
type classMsg struct {
	st       *asyncStream
	ev       flow.Event // Payload nil: see off and n
	off, n   int
	closeIdx int32 // index into classBatch.closes, -1 for an event
}

type classClose struct {
	info flow.ConnInfo
	why  flow.CloseReason
	seq  uint64
}

type classBatch struct {
	msgs   []classMsg
	closes []classClose
	arena  []byte
}

type classWorker struct {
	in   chan *classBatch
	free chan *classBatch
	cur  *classBatch
}

// classWorkers is how many workers an analysis starts: one per core but
// one (the tracker's), at least one.
func classWorkers() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// newAsyncClassifier starts n workers.
func newAsyncClassifier(n int, emit func(*classify.Record)) *asyncClassifier {
	a := &asyncClassifier{
		cls: classify.New(nil), emit: emit,
		results: make(chan []classResult, n*classBatches),
		pending: make(map[uint64]*classify.Record),
	}
	for range n {
		w := &classWorker{in: make(chan *classBatch, 1), free: make(chan *classBatch, classBatches)}
		for range classBatches - 1 {
			w.free <- &classBatch{}
		}
		w.cur = &classBatch{}
		a.workers = append(a.workers, w)
		go a.work(w)
	}
	return a
}

// work runs one worker: each batch in order, its records sent back.
func (a *asyncClassifier) work(w *classWorker) {
	for b := range w.in {
		var out []classResult
		for i := range b.msgs {
			m := &b.msgs[i]
			st := m.st
			if !st.started {
				// Made here, not by the tracker: a session is 1.3 KB to
				// allocate and clear, work the tracker's goroutine is
				// spared.
				st.sess, st.started = a.cls.NewSession(), true
			}
			if m.closeIdx >= 0 {
				c := &b.closes[m.closeIdx]
				out = append(out, classResult{c.seq, st.sess.Close(&c.info, c.why)})
				st.sess = classify.Session{}
				continue
			}
			e := m.ev
			if m.n > 0 {
				e.Payload = b.arena[m.off : m.off+m.n]
			}
			st.sess.Event(&e)
		}
		clear(b.msgs) // drop the handles: a closed one must not stay reachable
		b.msgs, b.closes, b.arena = b.msgs[:0], b.closes[:0], b.arena[:0]
		w.free <- b
		if len(out) > 0 {
			a.results <- out
		}
	}
}

// New implements flow.StreamFactory.
func (a *asyncClassifier) New(c *flow.Conn) flow.Stream {
	return &asyncStream{a: a, w: a.workers[c.ID%uint64(len(a.workers))]}
}

// asyncStream is one connection's handle: the tracker's goroutine sets a
// and w when it makes it and never touches the rest, which belongs to the
// connection's worker.
type asyncStream struct {
	a       *asyncClassifier
	w       *classWorker
	sess    classify.Session // the worker's
	started bool             // the worker's: sess was made
}

// Event copies e into the worker's batch.
func (s *asyncStream) Event(_ *flow.Conn, e *flow.Event) {
	b := s.w.cur
	m := classMsg{st: s, ev: *e, off: len(b.arena), n: len(e.Payload), closeIdx: -1}
	m.ev.Payload = nil
	b.arena = append(b.arena, e.Payload...)
	b.msgs = append(b.msgs, m)
	if len(b.msgs) >= classBatchMsgs || len(b.arena) >= classBatchBytes {
		s.a.dispatch(s.w)
	}
}

// Close takes the connection's snapshot and its place in the close order.
func (s *asyncStream) Close(c *flow.Conn, why flow.CloseReason) {
	b := s.w.cur
	b.closes = append(b.closes, classClose{info: c.Info(), why: why, seq: s.a.seq})
	s.a.seq++
	b.msgs = append(b.msgs, classMsg{st: s, closeIdx: int32(len(b.closes) - 1)})
	if len(b.msgs) >= classBatchMsgs {
		s.a.dispatch(s.w)
	}
}

// dispatch hands w its current batch and takes a free one, collecting the
// workers' records while it waits (a worker may be waiting to send them).
func (a *asyncClassifier) dispatch(w *classWorker) {
	for sent := false; !sent; {
		select {
		case w.in <- w.cur:
			sent = true
		case out := <-a.results:
			a.collect(out)
		}
	}
	for w.cur = nil; w.cur == nil; {
		select {
		case w.cur = <-w.free:
		case out := <-a.results:
			a.collect(out)
		}
	}
	for {
		select {
		case out := <-a.results:
			a.collect(out)
		default:
			return
		}
	}
}

// collect emits the records that are next in the close order.
func (a *asyncClassifier) collect(out []classResult) {
	for _, r := range out {
		a.pending[r.seq] = r.rec
	}
	for {
		rec, ok := a.pending[a.next]
		if !ok {
			return
		}
		delete(a.pending, a.next)
		a.next++
		a.emit(rec)
	}
}

// drain sends every partial batch, emits every record and stops the
// workers. Call it once, after the tracker's Flush.
func (a *asyncClassifier) drain() {
	for _, w := range a.workers {
		if len(w.cur.msgs) > 0 {
			a.dispatch(w)
		}
	}
	for a.next < a.seq {
		a.collect(<-a.results)
	}
	for _, w := range a.workers {
		close(w.in)
	}
}
