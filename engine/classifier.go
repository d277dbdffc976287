package engine

import (
	"bytes"
	"time"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/classify/tlsdecrypt"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

// Bounds of the work handed to a classification worker at once.
const (
	classBatchMsgs = 2048
	classBatches   = 3 // per worker: one being filled, one queued, one in work
)

// asyncClassifier is a flow.StreamFactory that runs SMTP classification
// on worker goroutines while the tracker goes on, each connection on one
// worker (by ID). The tracker stays one and global, so every TCP decision
// is the sequential one; the workers only parse. Records are handed to
// emit on the tracker's goroutine in the order the tracker closed their
// connections, so the output is byte-identical to a sequential run.
//
// Payloads are not copied: an event handed to a worker points into the
// read-ahead batch its frame came in (or into the tracker's copy of an
// out-of-order segment, which it never reuses), and the classification
// batch holds that read-ahead batch until the worker is done with it.
//
// Lifecycle: the tracker calls New, Event and Close as for any factory;
// the caller brackets the frames of each read-ahead batch with feeding
// and fed; after the tracker's Flush, drain waits for every record and
// stops the workers.
type asyncClassifier struct {
	cls  *classify.Classifier
	emit func(*classify.Record)
	// enc, when set, makes the workers encode each record, and
	// emitEncoded receives the bytes instead of emit the record.
	enc         report.RecordEncoder
	emitEncoded func([]byte)
	workers     []*classWorker
	results     chan *resultBatch
	spare       chan *resultBatch // emitted batches, for reuse
	seq         uint64            // sequence number of the next Close
	next        uint64            // sequence number of the next record to emit
	// pending holds the records decided ahead of their turn, record seq
	// at pending[seq&(len-1)] (rb nil: none), from next on.
	pending []classResult
	cur     *batch // the read-ahead batch being tracked, nil outside feeding/fed
	// times, when set (ESAFLOW_TIMINGS), gets the workers' busy time,
	// the time spent in collect (output) and in dispatch, less collect
	// (handover); busy adds up both on the tracker's goroutine, so that
	// its callers can take them off their own.
	times *stageTimes
	busy  time.Duration
}

// classResult is one decided record and its place in the close order:
// the record itself, or (with an encoder) its bytes, buf[from:to] of its
// resultBatch.
type classResult struct {
	seq      uint64
	rec      *classify.Record
	from, to int
	rb       *resultBatch
}

// resultBatch is the records a worker decided in one classBatch.
type resultBatch struct {
	items []classResult
	buf   []byte
	left  int // the tracker's: items not emitted yet
}

// classMsg is one event or close for a worker.
type classMsg struct {
	st       *asyncStream
	ev       flow.Event
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
	// reads are the read-ahead batches the events' payloads point into,
	// held until the worker is done; last is the latest of them.
	reads []*batch
	last  *batch
}

type classWorker struct {
	in   chan *classBatch
	free chan *classBatch
	cur  *classBatch // the tracker's
	// The worker's fields below on other cache lines than cur, which the
	// tracker writes for every event: sharing one, every session the
	// worker took or gave back cost the tracker a miss.
	_ [64]byte
	// spare are sessions whose records were encoded, reset for reuse
	// (the worker's).
	spare []classify.Machine
}

// maxEarly is how many events without payload a connection's worker
// keeps before it gives the connection a session: the SYN, SYN,ACK and
// end of the handshake, and a RST, of a connection refused or reset
// before its first byte. Such connections get their session only at
// Close, and give it back at once: a connection held after a RST (a
// second, in packet time, to see what its sender does next) keeps a few
// events instead of a session, whose buffers, grown by earlier
// connections, made the live heap bigger and every part of the run slower
// (docs/performance.md).
const maxEarly = 4

// earlyEvent is an event without payload kept for a connection with no
// session yet, in 16 bytes: its time in nanoseconds since 1970, UTC.
type earlyEvent struct {
	ns   int64
	kind flow.EventKind
	dir  flow.Direction
	ttl  uint8
	gap  bool
}

// keepEarly keeps e for st if it may be: no payload, room left, and a
// time that nanoseconds since 1970 in UTC give back exactly (any packet
// time from a capture does).
func (st *asyncStream) keepEarly(e *flow.Event) bool {
	if len(e.Payload) > 0 || st.nEarly == maxEarly {
		return false
	}
	ns := e.Time.UnixNano()
	if time.Unix(0, ns).UTC() != e.Time {
		return false
	}
	x := &st.early[st.nEarly] // field by field (see classBatch.add)
	x.ns, x.kind, x.dir, x.ttl, x.gap = ns, e.Kind, e.Dir, e.TTL, e.Gap
	st.nEarly++
	return true
}

// maxSpareSessions bounds the sessions a worker keeps for reuse.
const maxSpareSessions = 256

// newAsyncClassifier starts n workers handing records to emit.
func newAsyncClassifier(n int, emit func(*classify.Record)) *asyncClassifier {
	return newEncodingClassifier(n, emit, nil, nil, nil)
}

// newEncodingClassifier starts n workers, decrypting TLS with keys (nil:
// none); with enc set, they encode each record with it and emitEncoded
// gets the bytes, else emit the record.
func newEncodingClassifier(n int, emit func(*classify.Record), enc report.RecordEncoder, emitEncoded func([]byte), keys *tlsdecrypt.KeyLog) *asyncClassifier {
	a := &asyncClassifier{
		cls: classify.NewClassifier(nil).DecryptWith(keys), emit: emit, enc: enc, emitEncoded: emitEncoded,
		results: make(chan *resultBatch, n*classBatches),
		spare:   make(chan *resultBatch, n*classBatches+n),
		pending: make([]classResult, 1), // grows to how far the workers get ahead
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
		t := a.times.now()
		var rb *resultBatch
		select {
		case rb = <-a.spare:
		default:
			rb = &resultBatch{}
		}
		for i := range b.msgs {
			m := &b.msgs[i]
			st := m.st
			if !st.started {
				if m.closeIdx < 0 && st.keepEarly(&m.ev) {
					continue
				}
				w.start(a, st)
			}
			if m.closeIdx >= 0 {
				c := &b.closes[m.closeIdx]
				r := classResult{seq: c.seq, rec: st.sess.Close(&c.info, c.why), rb: rb}
				if a.enc != nil {
					// Encoded here too: JSON Lines output is a large
					// share of the work, better spread over the workers
					// than left to the tracker's goroutine.
					r.from = len(rb.buf)
					rb.buf = a.enc.EncodeRecord(rb.buf, r.rec)
					r.to, r.rec = len(rb.buf), nil
					if len(w.spare) < maxSpareSessions {
						// The record is bytes now: its session can serve
						// the next connection.
						st.sess.Reset()
						w.spare = append(w.spare, st.sess)
					}
				}
				rb.items = append(rb.items, r)
				st.sess = classify.Machine{}
				continue
			}
			st.sess.Event(&m.ev)
		}
		for _, r := range b.reads {
			r.release()
		}
		clear(b.msgs) // drop the handles and payloads: nothing may stay reachable
		clear(b.reads)
		b.msgs, b.closes, b.reads, b.last = b.msgs[:0], b.closes[:0], b.reads[:0], nil
		a.times.add(stageClassify, t)
		w.free <- b
		if rb.left = len(rb.items); rb.left > 0 {
			a.results <- rb
		} else {
			a.recycle(rb)
		}
	}
}

// start gives st a session, made here, not by the tracker (allocating
// and clearing one is work the tracker's goroutine is spared),
// and hands it the early events kept so far.
func (w *classWorker) start(a *asyncClassifier, st *asyncStream) {
	if k := len(w.spare) - 1; k >= 0 {
		st.sess, w.spare = w.spare[k], w.spare[:k]
	} else {
		st.sess = a.cls.NewMachine()
	}
	st.started = true
	for _, e := range st.early[:st.nEarly] {
		st.sess.Event(&flow.Event{Kind: e.kind, Dir: e.dir, Time: time.Unix(0, e.ns).UTC(), Gap: e.gap, TTL: e.ttl})
	}
	st.nEarly = 0
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
	sess    classify.Machine     // the worker's
	started bool                 // the worker's: sess was made
	early   [maxEarly]earlyEvent // the worker's: events before sess, without payload
	nEarly  uint8                // the worker's: how many
}

// Event adds e to the worker's batch, which holds the read-ahead batch
// its payload points into. Outside feeding and fed (no read-ahead batch
// known), the payload is copied.
func (s *asyncStream) Event(_ *flow.Conn, e *flow.Event) {
	b := s.w.cur
	m := b.add()
	m.st, m.closeIdx = s, -1
	// Field by field, as the tracker wrote *e (see add).
	m.ev.Kind, m.ev.Dir, m.ev.Time, m.ev.Payload, m.ev.Gap, m.ev.TTL = e.Kind, e.Dir, e.Time, e.Payload, e.Gap, e.TTL
	if len(e.Payload) > 0 {
		switch r := s.a.cur; {
		case r == nil:
			m.ev.Payload = bytes.Clone(e.Payload)
		case b.last != r:
			r.hold()
			b.reads = append(b.reads, r)
			b.last = r
		}
	}
	if len(b.msgs) >= classBatchMsgs {
		s.a.dispatch(s.w)
	}
}

// Close takes the connection's snapshot and its place in the close order.
func (s *asyncStream) Close(c *flow.Conn, why flow.CloseReason) {
	b := s.w.cur
	b.closes = append(b.closes, classClose{})
	cl := &b.closes[len(b.closes)-1] // field by field (see classBatch.add)
	c.InfoTo(&cl.info)
	cl.why, cl.seq = why, s.a.seq
	s.a.seq++
	m := b.add()
	m.st, m.ev, m.closeIdx = s, flow.Event{}, int32(len(b.closes)-1)
	if len(b.msgs) >= classBatchMsgs {
		s.a.dispatch(s.w)
	}
}

// add returns a new last message of b, to be filled field by field: a
// message built whole and appended is copied from the stack in 16-byte
// moves over fields stored in smaller ones, a store-forwarding stall.
func (b *classBatch) add() *classMsg {
	n := len(b.msgs)
	if n == cap(b.msgs) {
		b.msgs = append(b.msgs, classMsg{})
	} else {
		b.msgs = b.msgs[:n+1]
	}
	return &b.msgs[n]
}

// dispatch hands w its current batch and takes a free one, collecting the
// workers' records while it waits (a worker may be waiting to send them).
func (a *asyncClassifier) dispatch(w *classWorker) {
	if a.times != nil {
		t, busy := a.times.clock(), a.busy
		defer func() {
			d := a.times.clock().Sub(t)
			a.times.addDuration(stageHandover, d-(a.busy-busy))
			a.busy = busy + d
		}()
	}
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
func (a *asyncClassifier) collect(rb *resultBatch) {
	if a.times != nil {
		t := a.times.clock()
		defer func() {
			d := a.times.clock().Sub(t)
			a.times.addDuration(stageOutput, d)
			a.busy += d
		}()
	}
	for _, r := range rb.items {
		for r.seq-a.next >= uint64(len(a.pending)) {
			a.growPending()
		}
		a.pending[r.seq&uint64(len(a.pending)-1)] = r
	}
	for {
		slot := &a.pending[a.next&uint64(len(a.pending)-1)]
		if slot.rb == nil {
			return
		}
		r := *slot
		*slot = classResult{}
		a.next++
		if r.rec != nil {
			a.emit(r.rec)
		} else {
			a.emitEncoded(r.rb.buf[r.from:r.to])
		}
		if r.rb.left--; r.rb.left == 0 {
			a.recycle(r.rb)
		}
	}
}

// growPending doubles pending, every record in it kept at its seq.
func (a *asyncClassifier) growPending() {
	old := a.pending
	a.pending = make([]classResult, 2*len(old))
	for _, r := range old {
		if r.rb != nil {
			a.pending[r.seq&uint64(len(a.pending)-1)] = r
		}
	}
}

// recycle keeps an emptied resultBatch for a worker to reuse.
func (a *asyncClassifier) recycle(rb *resultBatch) {
	clear(rb.items) // the records may go
	rb.items, rb.buf = rb.items[:0], rb.buf[:0]
	select {
	case a.spare <- rb:
	default:
	}
}

// feeding tells that the frames of r are about to be tracked: payloads
// point into r until fed.
func (a *asyncClassifier) feeding(r *batch) { a.cur = r }

// fed tells that the frames of the current read-ahead batch were all
// tracked: every worker's partial batch is sent, so that no batch waits
// with read-ahead batches held while the reader needs them back.
func (a *asyncClassifier) fed() {
	a.cur = nil
	for _, w := range a.workers {
		if len(w.cur.msgs) > 0 {
			a.dispatch(w)
		}
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
