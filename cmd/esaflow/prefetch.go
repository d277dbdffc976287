package main

import (
	"context"

	"github.com/esaflow/esaflow/capture"
)

// Read-ahead bounds: a batch holds up to batchPackets frames or about
// batchBytes of frame data, and at most prefetchBatches are in flight, so
// the read-ahead costs a few MiB whatever the file size.
const (
	batchPackets    = 512
	batchBytes      = 256 << 10
	prefetchBatches = 4
)

// batch is a run of frames read ahead, copied out of the source's buffer.
type batch struct {
	pkts []capture.Packet // Data points into buf
	buf  []byte
	// err is what Next returned after the last frame (io.EOF at the end,
	// a *capture.ReadError for a damaged file), nil while more follow.
	err error
	// inputBytes is the source's InputBytes after the batch.
	inputBytes int64
}

// prefetcher reads a capture.File in its own goroutine, one batch ahead of
// the tracker, so that reading and parsing the file (a sixth of the work)
// overlaps tracking and classification on another core. The frames reach
// the caller in file order, so the report is the same as a direct read.
//
// Lifecycle: next hands out batches until one carries err; release gives
// a batch back for reuse; stop ends the goroutine and must be called once,
// after which the File may be read (Packets, Offset, LinkTypes) again.
type prefetcher struct {
	out  chan *batch
	free chan *batch
	quit chan struct{}
	done chan struct{}
}

// startPrefetch starts reading src.
func startPrefetch(ctx context.Context, src *capture.File) *prefetcher {
	f := &prefetcher{
		out:  make(chan *batch, prefetchBatches),
		free: make(chan *batch, prefetchBatches+1),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range prefetchBatches + 1 {
		f.free <- &batch{pkts: make([]capture.Packet, 0, batchPackets), buf: make([]byte, 0, batchBytes)}
	}
	go f.run(ctx, src)
	return f
}

// run fills batches until the source ends or stop is called.
func (f *prefetcher) run(ctx context.Context, src *capture.File) {
	defer close(f.done)
	var pkt capture.Packet
	b := f.get()
	for b != nil {
		if ctx.Err() != nil {
			b.err = ctx.Err()
		} else {
			b.err = src.Next(&pkt)
		}
		full := len(b.pkts) == batchPackets || (b.err == nil && len(b.buf)+len(pkt.Data) > cap(b.buf) && len(b.pkts) > 0)
		if b.err != nil || full {
			b.inputBytes = src.InputBytes()
			if !f.send(b) || b.err != nil {
				return
			}
			if b = f.get(); b == nil {
				return
			}
		}
		if len(b.buf)+len(pkt.Data) > cap(b.buf) {
			b.buf = make([]byte, 0, max(batchBytes, len(pkt.Data))) // a frame larger than a batch
		}
		start := len(b.buf)
		b.buf = append(b.buf, pkt.Data...)
		p := pkt
		p.Data = b.buf[start:len(b.buf):len(b.buf)]
		b.pkts = append(b.pkts, p)
	}
}

// get returns an empty batch, or nil when stop was called.
func (f *prefetcher) get() *batch {
	select {
	case b := <-f.free:
		b.pkts, b.buf, b.err = b.pkts[:0], b.buf[:0], nil
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

// release gives b back for reuse.
func (f *prefetcher) release(b *batch) { f.free <- b }

// stop ends the reading goroutine and waits for it.
func (f *prefetcher) stop() {
	close(f.quit)
	<-f.done
}
