package engine

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
)

// prefetchBatches is how many batches a prefetcher has: one being read,
// one being tracked, the rest either queued or held by classification
// workers whose events point into them. prefetchBatchSize is their size:
// as fast as larger batches (one read call each is noise beside the work
// on the bytes) while the read-ahead, decoded segments included, stays
// small whatever the file size (docs/performance.md).
const (
	prefetchBatches   = 8
	prefetchBatchSize = 256 << 10
)

// batch is a run of frames read ahead, straight into a capture.Batch,
// and decoded: segs[i] and errs[i] are what flow.DecodePacket gave for
// pkts[i], so that the tracker only tracks.
type batch struct {
	pkts []capture.Packet // cb.Packets
	segs []flow.Segment
	errs []error
	// first and last are the earliest and latest frame times in pkts.
	first, last time.Time
	cb          *capture.Batch
	// err is what ReadBatch returned after the frames (io.EOF at the end,
	// a *capture.ReadError for a damaged file), nil while more follow.
	err error
	// inputBytes is the source's InputBytes after the batch.
	inputBytes int64
	// refs counts the holders of the batch's bytes: the tracker while it
	// feeds the frames in, and every classification batch with an event
	// pointing into them. The last to let go gives the batch back.
	refs atomic.Int32
	free chan<- *batch
}

// hold adds a holder of b's bytes.
func (b *batch) hold() { b.refs.Add(1) }

// release drops a holder; the last one gives b back for reuse. Any
// goroutine may call it.
func (b *batch) release() {
	if b.refs.Add(-1) == 0 {
		b.free <- b // never blocks: free has room for every batch
	}
}

// prefetcher reads a capture.File in its own goroutine, ahead of the
// tracker, so that reading the file overlaps tracking and classification
// on another core. The frames reach the caller in file order, so the
// report is the same as a direct read; they are never copied.
//
// Lifecycle: next hands out batches, each held once by the caller, until
// one carries err; the caller calls release on each when done (more holders
// may hold and release it meanwhile); stop ends the goroutine and must be
// called once, after which the File may be read (Packets, Offset,
// LinkTypes) again.
type prefetcher struct {
	// match, when set, rejects frames before they are decoded (Options.Match).
	match func(*capture.Packet) bool
	out   chan *batch
	free  chan *batch
	quit  chan struct{}
	done  chan struct{}
}

// startPrefetch starts reading src in batches of about size bytes
// (prefetchBatchSize when 0); times (nil for none) gets the time spent
// reading and decoding.
func startPrefetch(ctx context.Context, src *capture.File, size int, times *stageTimes) *prefetcher {
	return startFilteredPrefetch(ctx, src, size, times, nil)
}

// startFilteredPrefetch is startPrefetch with frames that match rejects
// not decoded but passed on as errFiltered (nil: every frame decoded).
func startFilteredPrefetch(ctx context.Context, src *capture.File, size int, times *stageTimes, match func(*capture.Packet) bool) *prefetcher {
	if size <= 0 {
		size = prefetchBatchSize
	}
	f := &prefetcher{
		out:   make(chan *batch, prefetchBatches),
		free:  make(chan *batch, prefetchBatches),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		match: match,
	}
	for range prefetchBatches {
		f.free <- &batch{cb: capture.NewBatch(size), free: f.free}
	}
	go f.run(ctx, src, times)
	return f
}

// run fills batches until the source ends or stop is called.
func (f *prefetcher) run(ctx context.Context, src *capture.File, times *stageTimes) {
	defer close(f.done)
	for {
		b := f.get()
		if b == nil {
			return
		}
		t := times.now()
		if b.err = ctx.Err(); b.err == nil {
			b.err = src.ReadBatch(b.cb)
		} else {
			b.cb.Packets = b.cb.Packets[:0]
		}
		t = times.add(stageRead, t)
		b.pkts = b.cb.Packets
		b.decode(f.match)
		times.add(stageDecode, t)
		b.inputBytes = src.InputBytes()
		b.refs.Store(1)
		if !f.send(b) || b.err != nil {
			return
		}
	}
}

// decode decodes every frame of b.
func (b *batch) decode(match func(*capture.Packet) bool) {
	n := len(b.pkts)
	if cap(b.segs) < n {
		b.segs = make([]flow.Segment, n, n+n/4)
		b.errs = make([]error, n, n+n/4)
	}
	b.segs, b.errs = b.segs[:n], b.errs[:n]
	b.first, b.last = time.Time{}, time.Time{}
	for i := range b.pkts {
		if match != nil && !match(&b.pkts[i]) {
			b.errs[i] = errFiltered
		} else {
			b.errs[i] = flow.DecodePacket(&b.pkts[i], &b.segs[i])
		}
		if t := b.pkts[i].Time; i == 0 || t.Before(b.first) {
			b.first = t
		}
		if t := b.pkts[i].Time; t.After(b.last) {
			b.last = t
		}
	}
}

// get returns an empty batch, or nil when stop was called.
func (f *prefetcher) get() *batch {
	select {
	case b := <-f.free:
		b.pkts, b.err = nil, nil
		return b
	case <-f.quit:
		return nil
	}
}

// send hands b to the reader; false when stop was called.
func (f *prefetcher) send(b *batch) bool {
	select {
	case f.out <- b:
		return true
	case <-f.quit:
		return false
	}
}

// next returns the next batch.
func (f *prefetcher) next() *batch { return <-f.out }

// stop ends the reading goroutine and waits for it.
func (f *prefetcher) stop() {
	close(f.quit)
	<-f.done
}
