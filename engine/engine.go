package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/classify/tlsdecrypt"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

// Sink receives what a run decides; every report renderer is one.
//
// Lifecycle: Run calls Connection once per decided connection, from one
// goroutine at a time, in the order of the report; then Finish once with
// the statistics of the whole run, unless a call returned an error. The
// record is valid only during the call: its strings and slices belong to
// a classification session that is reused afterwards, so a Sink that keeps
// records keeps a copy (classify.Record.Clone). A Sink that also
// implements report.RecordEncoder has its records encoded on the
// classification workers and receives the bytes through WriteEncoded
// instead of Connection.
type Sink interface {
	Connection(r *classify.Record) error
	Finish(st *report.Stats) error
}

// Progress is told how far a run has got, from any goroutine (files read
// in parallel each report their own); it must be safe for concurrent use.
type Progress interface {
	// Update says that source number file (its index in Run's sources)
	// has read inputBytes bytes of its input (compressed size for a
	// compressed file) and seen conns connections so far.
	Update(file int, inputBytes int64, conns uint64)
}

// Options are the settings of a run. The zero value tracks the default
// ports and SMTP found by content on any other port, classifies on the
// reading goroutine and reads one file after another.
type Options struct {
	// Flow is the connection tracking: ports, timeouts, limits. Zero
	// fields take flow's defaults; with neither Ports nor AnyPort set,
	// the default ports are tracked and SMTP is found by content on any
	// other.
	Flow flow.Config
	// Workers is how many goroutines classify connections while the
	// tracker goes on (the report is the same whatever the number; one per
	// core is fastest); 0 classifies on the tracker's goroutine, each
	// record the moment its connection is decided. Only capture files read
	// one after another use workers.
	Workers int
	// Jobs is the most capture files tracked at once where that cannot
	// change the report (see parallel.go); 0 or 1 reads them one after
	// another.
	Jobs int
	// Warnings, when set, gets one line for each problem with the input
	// (a truncated file, an interruption); the same lines are in the
	// statistics.
	Warnings io.Writer
	// Progress, when set, is told how far the run has got.
	Progress Progress
	// Match, when set, filters frames before they are tracked (a BPF
	// filter, capture.Filter.Matches): a frame it rejects is counted as
	// ignored, as frames that are not TCP are. It is called from the
	// goroutines that read files, concurrently when files are read in
	// parallel.
	Match func(p *capture.Packet) bool
	// Clock is the wall clock. Only two things use it: a live source that
	// reports capture.ErrTimeout moves the tracker's clock to it, so that
	// idle connections are decided while no packet comes, and Timings.
	// Nil: neither happens.
	Clock func() time.Time
	// Timings, when set together with Clock, gets one line at the end
	// with the time each stage of the run was busy (a developer's aid).
	Timings io.Writer
	// KeyLog holds TLS secrets (an NSS key log, --keylog): the sessions
	// whose secrets it holds are decrypted and their SMTP dialogue
	// followed (classify.Classifier.DecryptWith). The secrets a pcapng
	// source embeds (capture.File.Secrets) are added to it as they are
	// read, to a key log made for them when it is nil.
	KeyLog *tlsdecrypt.KeyLog

	batchSize int // read-ahead batch size in bytes; 0 means prefetchBatchSize (tests make it small)
}

// Run reads every source to its end, tracks and classifies the SMTP
// connections in them, hands each decided record to sink and ends with
// sink.Finish. It returns the statistics of the run.
//
// Capture files (*capture.File) are one timeline, as tcpdump -C writes
// it: they are read in the order of their first packets whatever the
// order given, merged packet by packet where their times overlap, and
// read ahead and classified on Options.Workers; several are tracked at
// once (Options.Jobs) where that gives the same report. Any other Source,
// a live capture for one, is read on the calling goroutine, one after
// another, and classified there. Run closes no source: the caller does,
// after Run returns.
//
// Problems with the input never end a run: what could be decided is
// kept, and each problem is a warning (Stats.Warnings, and
// Options.Warnings). When ctx is cancelled, Run stops reading, decides
// the open connections, adds a warning that the report covers only what
// was read, and finishes the report; capture files are closed under a
// blocked read so that it returns. The error Run returns is always the
// sink's: the report could not be written.
func Run(ctx context.Context, sources []capture.Source, sink Sink, opts Options) (*report.Stats, error) {
	if opts.Flow.Ports == (flow.Ports{}) && !opts.Flow.AnyPort {
		opts.Flow.Ports, opts.Flow.AnyPort = flow.MustParsePorts(flow.DefaultPorts), true
	}
	if opts.KeyLog == nil {
		opts.KeyLog = tlsdecrypt.NewKeyLog()
	}
	for _, s := range sources {
		if f, ok := s.(interface{ Secrets() *capture.Secrets }); ok {
			f.Secrets().OnSecrets(func(kind uint32, data []byte) {
				if kind == capture.SecretsTLSKeyLog {
					opts.KeyLog.Read(bytes.NewReader(data)) // a line it cannot read is counted, not fatal
				}
			})
		}
	}
	files := make([]*capture.File, 0, len(sources))
	for _, s := range sources {
		f, ok := s.(*capture.File)
		if !ok {
			files = nil
			break
		}
		files = append(files, f)
	}
	times := newStageTimes(opts.Timings, opts.Clock)
	var p *pipeline
	var err error
	if files == nil {
		p = newPipeline(opts, sink)
		errw := opts.warnings()
		for _, s := range sources {
			if !p.readSource(ctx, s, errw) {
				p.warn(errw, interrupted)
				break
			}
		}
		err = p.finish()
	} else {
		p, err = runFiles(ctx, files, sink, opts, times)
	}
	times.report()
	return &p.stats, err
}

// errFiltered marks a frame that Options.Match rejected: counted as
// ignored by the tracker.
var errFiltered = errors.New("filtered out")

// packet hands one frame to the tracker, unless Options.Match rejects it.
func (p *pipeline) packet(pkt *capture.Packet) {
	if p.opts.Match != nil && !p.opts.Match(pkt) {
		p.tracker.Decoded(nil, errFiltered)
		return
	}
	p.tracker.Packet(pkt)
}

// interrupted is the warning of a run whose context was cancelled.
const interrupted = "interrupted: the report covers the input read so far"

// warnings returns where warnings go: Options.Warnings or nowhere.
func (o *Options) warnings() io.Writer {
	if o.Warnings == nil {
		return io.Discard
	}
	return o.Warnings
}

// progress tells o.Progress, if any, how far source i has got.
func (o *Options) progress(i int, inputBytes int64, conns uint64) {
	if o.Progress != nil {
		o.Progress.Update(i, inputBytes, conns)
	}
}

// readSource feeds every frame of a source that is not a capture file to
// the tracker, on this goroutine. A capture.ErrTimeout (a live capture
// with no packet for a while) moves the tracker's clock to Options.Clock.
// It returns false when ctx was cancelled.
func (p *pipeline) readSource(ctx context.Context, src capture.Source, errw io.Writer) bool {
	var pkt capture.Packet
	for {
		if ctx.Err() != nil {
			return false
		}
		if p.err != nil {
			return true // the sink failed: finish says so
		}
		err := src.Next(&pkt)
		switch {
		case err == nil:
			p.countTime(pkt.Time)
			p.packet(&pkt)
			continue
		case errors.Is(err, capture.ErrTimeout):
			if p.opts.Clock != nil {
				p.tracker.Advance(p.opts.Clock()) // live: packet time is wall-clock time
			}
			continue
		case err == io.EOF:
			return true
		case ctx.Err() != nil:
			return false
		}
		p.warnRead(errw, err, nil)
		return true
	}
}

// RecordFunc is a Sink that calls itself for each record and ignores the
// statistics (Run returns them too).
type RecordFunc func(r *classify.Record) error

// Connection implements Sink.
func (f RecordFunc) Connection(r *classify.Record) error { return f(r) }

// Finish implements Sink.
func (f RecordFunc) Finish(*report.Stats) error { return nil }
