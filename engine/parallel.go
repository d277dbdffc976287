package engine

// Several input files are read in parallel only where that cannot change
// a byte of the report.
//
// Read one after another, the files go through one flow.Tracker, whose
// state at the end of a file (open connections, decided ones remembered
// to absorb late packets, its packet clock) shapes what the next file
// gives: a rotated capture set continues its connections across files,
// and even files with disjoint connections interleave their decisions
// (an idle connection of one file is decided in the middle of the next,
// at a time set by the sweep clock). A merge of independently tracked
// files cannot reproduce that in general.
//
// It can at a file whose first TCP segment on an SMTP port comes more
// than flow.Config.Horizon (the idle timeout, at least the linger time)
// after every segment before it: that segment decides every open
// connection as idle and forgets every decided one before it is
// processed, so the Tracker goes on exactly as a new one would, and the
// records before it are exactly those of Tracker.ExpireAll. Such files
// start a new group; a group's files are tracked one after another by a
// Tracker of its own, ended with ExpireAll (Flush for the last group).
// A rotated capture set, or files that overlap in time, are one group
// and read as before.
//
// Finding the groups needs each file's time span, so the files are first
// scanned (read and decoded, not tracked) in parallel: the first segment
// of each, which is enough to rule out files that start together, then
// the latest one of every file but the last. Standard input cannot be
// read twice, so it is always read sequentially.
//
// Then up to jobs groups are tracked at once. The first group's records
// are rendered as they come; later groups hold theirs (in batches, at
// most maxPending per group, the worker waits past that) until every
// group before has been rendered. The merger renders them in group order
// with the connection numbers shifted by the connections of the groups
// before, and sums the counts: the report is byte-identical to the
// sequential one, which TestParallelFilesGiveTheSequentialReport checks.

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

const (
	// batchSize is the number of records a group hands over at once.
	batchSize = 256
	// maxPending bounds the batches a group holds for the merger.
	maxPending = 256
)

// fileSpan is when one file's TCP segments on SMTP ports were captured.
type fileSpan struct {
	any         bool      // the file has such a segment
	first, last time.Time // the first one in file order; the latest one
}

// scanSpan reads the file name up to its end (or its first damage, where
// reading it for the report stops too) and returns its span; with
// needLast false it stops at the first segment.
func scanSpan(name string, cfg flow.Config, needLast bool) (fileSpan, error) {
	src, err := capture.Open(name, nil)
	if err != nil {
		return fileSpan{}, err
	}
	defer src.Close()
	var (
		sp  fileSpan
		pkt capture.Packet
		seg flow.Segment
	)
	for src.Next(&pkt) == nil {
		if flow.Decode(pkt.LinkType, pkt.Data, &seg) != nil || !cfg.Watches(seg.Src.Port(), seg.Dst.Port()) {
			continue
		}
		if !sp.any {
			sp.any, sp.first, sp.last = true, pkt.Time, pkt.Time
			if !needLast {
				break
			}
		}
		if pkt.Time.After(sp.last) {
			sp.last = pkt.Time
		}
	}
	return sp, nil
}

// planGroups returns the index of the first file of each group: a file
// starts one when its first segment comes more than horizon after every
// segment of the files before it, or when they have none.
func planGroups(spans []fileSpan, horizon time.Duration) []int {
	starts := []int{0}
	var last time.Time
	seen := false
	for i, sp := range spans {
		if !sp.any {
			continue
		}
		if i > 0 && (!seen || sp.first.Sub(last) > horizon) {
			starts = append(starts, i)
		}
		if !seen || sp.last.After(last) {
			last = sp.last
		}
		seen = true
	}
	return starts
}

// parallelPlan returns the groups of sources (see planGroups), or nil when
// they are to be read sequentially: one job, one file, standard input, or
// a file that cannot be scanned. The first segment of each file is read
// first: when no file's comes more than the horizon after the first
// segments of the files before it, no gap can be wide enough, and the
// files are not read to their end for nothing.
func parallelPlan(sources []*capture.File, cfg flow.Config, jobs int) []int {
	if jobs < 2 || len(sources) < 2 {
		return nil
	}
	for _, s := range sources {
		if !regularFile(s.Name()) {
			return nil // read once, in order: see orderByTime
		}
	}
	spans, ok := scanSpans(sources, cfg, jobs, func(int) bool { return false })
	if !ok || len(planGroups(spans, cfg.Horizon())) == 1 {
		return nil
	}
	spans, ok = scanSpans(sources, cfg, jobs, func(i int) bool { return i < len(sources)-1 })
	if !ok {
		return nil
	}
	if starts := planGroups(spans, cfg.Horizon()); len(starts) > 1 {
		return starts
	}
	return nil
}

// scanSpans scans the sources' files, up to jobs at once, to their end
// when needLast tells so. It returns false when one could not be opened.
func scanSpans(sources []*capture.File, cfg flow.Config, jobs int, needLast func(int) bool) ([]fileSpan, bool) {
	spans := make([]fileSpan, len(sources))
	errs := make([]error, len(sources))
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, s := range sources {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			spans[i], errs[i] = scanSpan(s.Name(), cfg, needLast(i))
			<-sem
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, false
		}
	}
	return spans, true
}

// group is one run of files tracked by its own pipeline. Its worker
// sends batches of records on out and closes it when done; after that,
// p, errs and interrupted are the merger's to read.
type group struct {
	files       []int
	out         chan []*classify.Record
	batch       []*classify.Record
	ctx         context.Context
	p           *pipeline
	errs        bytes.Buffer // its stderr, written out by the merger in order
	interrupted bool
}

// Connection implements report.Renderer for the group's pipeline: it
// batches the records for the merger.
func (g *group) Connection(r *classify.Record) error {
	g.batch = append(g.batch, r)
	if len(g.batch) == batchSize {
		g.send()
	}
	return nil
}

// Finish implements report.Renderer; the merger renders the end.
func (g *group) Finish(*report.Stats) error { return nil }

func (g *group) send() {
	if len(g.batch) == 0 {
		return
	}
	select {
	case g.out <- g.batch:
	case <-g.ctx.Done():
	}
	g.batch = make([]*classify.Record, 0, batchSize)
}

// run tracks the group's files; last tells whether it ends the input.
func (g *group) run(sources []*capture.File, opts Options, last bool) {
	defer close(g.out)
	g.p = newPipeline(opts, g)
	for _, i := range g.files {
		if !g.p.readFile(g.ctx, i, sources[i], &g.errs) {
			g.interrupted = true
			break
		}
	}
	if last || g.interrupted {
		g.p.tracker.Flush()
	} else {
		g.p.tracker.ExpireAll()
	}
	g.send()
}

// runParallel reads the groups of sources starting at starts, up to
// opts.Jobs at once, and hands their records to sink as the sequential
// run would.
func runParallel(ctx context.Context, sources []*capture.File, starts []int, sink Sink, opts Options) (*pipeline, error) {
	jobs := opts.Jobs
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	groups := make([]*group, len(starts))
	for k, first := range starts {
		end := len(sources)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		g := &group{out: make(chan []*classify.Record, maxPending), ctx: ctx}
		for i := first; i < end; i++ {
			g.files = append(g.files, i)
		}
		groups[k] = g
	}
	var wg sync.WaitGroup
	wg.Add(len(groups))
	go func() {
		// Groups start in order, so the one the merger waits for has
		// started or gets the next free slot.
		sem := make(chan struct{}, jobs)
		for k, g := range groups {
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				g.run(sources, opts, k == len(groups)-1)
				<-sem
			}()
		}
	}()
	defer wg.Wait()

	m := &pipeline{opts: opts, sink: sink}
	errw := opts.warnings()
	var counts flow.Stats
	for _, g := range groups {
		offset := counts.Connections
		for batch := range g.out {
			for _, r := range batch {
				r.ID += offset
				if err := sink.Connection(r); err != nil && m.err == nil {
					m.err = outputErr(err)
					cancel()
				}
			}
		}
		errw.Write(g.errs.Bytes())
		m.merge(g.p)
		counts.Add(g.p.tracker.Stats())
		if g.interrupted {
			m.warn(errw, interrupted)
			break
		}
	}
	if m.err != nil {
		return m, m.err
	}
	return m, m.end(counts)
}

// merge adds what the group pipeline g saw (files, warnings, time span)
// to p's statistics.
func (p *pipeline) merge(g *pipeline) {
	p.stats.Files = append(p.stats.Files, g.stats.Files...)
	p.stats.Warnings = append(p.stats.Warnings, g.stats.Warnings...)
	if !g.stats.First.IsZero() {
		p.countTime(g.stats.First)
		p.countTime(g.stats.Last)
	}
}
