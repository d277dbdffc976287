package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

// pipeline wires capture → flow → classify → sink for one run (or, when
// files are read in parallel, for one group of files).
type pipeline struct {
	opts    Options
	tracker *flow.Tracker
	sink    Sink
	stats   report.Stats
	err     error            // the sink's first error
	async   *asyncClassifier // set when classification runs on workers
	times   *stageTimes      // nil unless timed (then async is set)
}

// newPipeline returns a pipeline that classifies on the tracker's
// goroutine: each record is handed over the moment its connection is
// decided (what live needs).
func newPipeline(opts Options, sink Sink) *pipeline {
	p := &pipeline{opts: opts, sink: sink}
	p.tracker = flow.NewTracker(opts.Flow, classify.NewClassifier(p.render).DecryptWith(opts.KeyLog))
	return p
}

// newAsyncPipeline returns a pipeline whose classification runs on
// worker goroutines (asyncClassifier): the same records in the same
// order, on more cores, a little later.
func newAsyncPipeline(opts Options, sink Sink, workers int) *pipeline {
	p := &pipeline{opts: opts, sink: sink}
	enc, _ := sink.(report.RecordEncoder)
	var encoded func([]byte)
	if enc != nil {
		encoded = p.renderEncoded
	}
	p.async = newEncodingClassifier(workers, p.render, enc, encoded, opts.KeyLog)
	p.tracker = flow.NewTracker(opts.Flow, p.async)
	return p
}

// outputErr wraps an error of the sink.
func outputErr(err error) error { return fmt.Errorf("writing output: %w", err) }

// render hands one decided record to the sink.
func (p *pipeline) render(rec *classify.Record) {
	if err := p.sink.Connection(rec); err != nil && p.err == nil {
		p.err = outputErr(err)
	}
}

// renderEncoded writes one record a worker encoded.
func (p *pipeline) renderEncoded(b []byte) {
	if err := p.async.enc.WriteEncoded(b); err != nil && p.err == nil {
		p.err = outputErr(err)
	}
}

// warn records a problem with the input; it shows in the report's stats
// and on stderr.
func (p *pipeline) warn(w io.Writer, msg string) {
	p.stats.Warnings = append(p.stats.Warnings, msg)
	fmt.Fprintf(w, "esaflow: warning: %s\n", msg)
}

// warnRead warns of a read error that ended a source early, and notes it
// in fs (when not nil), the source's line in the statistics.
func (p *pipeline) warnRead(errw io.Writer, err error, fs *report.FileStat) {
	msg, full := err.Error(), err.Error()
	var re *capture.ReadError
	if errors.As(err, &re) {
		msg = fmt.Sprintf("truncated or corrupt at byte %d (packet %d): %v; the verdicts before it are kept", re.Offset, re.Packet, re.Err)
		full = re.File + ": " + msg
	}
	if fs != nil {
		fs.Warning = msg
	}
	p.warn(errw, full)
}

// readFile feeds every frame of source number i to the tracker. It
// returns false when the context was cancelled.
func (p *pipeline) readFile(ctx context.Context, i int, src *capture.File, errw io.Writer) bool {
	conns0 := p.tracker.Stats().Connections
	defer func() { p.opts.progress(i, src.InputBytes(), p.tracker.Stats().Connections-conns0) }()
	fs := report.FileStat{Name: src.Name(), Format: src.Format()}
	defer func() {
		for _, l := range src.LinkTypes() {
			fs.LinkTypes = append(fs.LinkTypes, l.String())
		}
		fs.Packets = src.Packets()
		fs.Bytes = src.Offset()
		p.stats.Files = append(p.stats.Files, fs)
	}()
	pf := startFilteredPrefetch(ctx, src, p.opts.batchSize, p.times, p.opts.Match)
	defer pf.stop() // before the deferred reads of src above
	for {
		t, busy := p.times.now(), p.busy()
		b := p.nextBatch(pf)
		t, busy = p.timed(stageInput, t, busy)
		if p.async != nil {
			p.async.feeding(b)
		}
		if len(b.segs) > 0 {
			p.countTime(b.first)
			p.countTime(b.last)
		}
		for k := range b.segs {
			p.tracker.Decoded(&b.segs[k], b.errs[k])
		}
		if p.async != nil {
			p.async.fed()
		}
		p.timed(stageTrack, t, busy)
		p.opts.progress(i, b.inputBytes, p.tracker.Stats().Connections-conns0)
		err := b.err
		b.release()
		switch {
		case err == nil:
			continue
		case err == io.EOF:
			return true
		case ctx.Err() != nil:
			// Cancelled: the read was cut short on purpose (the file
			// closed under it, see closeOnCancel), not by damage.
			return false
		}
		p.warnRead(errw, err, &fs)
		return true
	}
}

// nextBatch waits for the next read-ahead batch. With classification on
// workers, it emits their records meanwhile: a worker waiting to hand
// them over would not give back the read-ahead batches it holds.
func (p *pipeline) nextBatch(pf *prefetcher) *batch {
	if p.async == nil {
		return pf.next()
	}
	for {
		select {
		case b := <-pf.out:
			return b
		case out := <-p.async.results:
			p.async.collect(out)
		}
	}
}

// busy returns the time the tracker's goroutine has spent writing records
// and handing batches to workers (timings only).
func (p *pipeline) busy() time.Duration {
	if p.times == nil {
		return 0
	}
	return p.async.busy
}

// timed adds to stage st the time since t on the tracker's goroutine, less
// the part busy counts since it read busy0, and returns the clock and busy
// now.
func (p *pipeline) timed(st stage, t time.Time, busy0 time.Duration) (time.Time, time.Duration) {
	if p.times == nil {
		return t, 0
	}
	now, busy := p.times.clock(), p.async.busy
	p.times.addDuration(st, now.Sub(t)-(busy-busy0))
	return now, busy
}

// countTime widens the input's time span to t.
func (p *pipeline) countTime(t time.Time) {
	if p.stats.First.IsZero() || t.Before(p.stats.First) {
		p.stats.First = t
	}
	if t.After(p.stats.Last) {
		p.stats.Last = t
	}
}

// finish closes the open connections and renders the end of the report.
func (p *pipeline) finish() error {
	p.tracker.Flush()
	if p.async != nil {
		p.async.drain()
	}
	return p.end(p.tracker.Stats())
}

// end renders the end of the report with the tracker counts st.
func (p *pipeline) end(st flow.Stats) error {
	p.stats.Packets = st.Packets
	p.stats.TCPPackets = st.TCPPackets
	p.stats.Ignored = st.Ignored
	p.stats.Malformed = st.Malformed
	p.stats.Connections = st.Connections
	p.stats.Evicted = st.Evicted
	p.stats.GaveUp, p.stats.GaveUpConns = st.GaveUp, st.GaveUpConns
	if p.err != nil {
		return p.err
	}
	if err := p.sink.Finish(&p.stats); err != nil {
		return outputErr(err)
	}
	return nil
}
