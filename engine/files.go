package engine

import (
	"context"

	"github.com/esaflow/esaflow/capture"
)

// runFiles reads capture files as one timeline (timeline.go): merged
// packet by packet where their times overlap, several at once where that
// cannot change the report (parallel.go), else one after another with
// read-ahead and classification on workers.
func runFiles(ctx context.Context, files []*capture.File, sink Sink, opts Options, times *stageTimes) (*pipeline, error) {
	defer closeOnCancel(ctx, files)()
	order, overlap := orderByTime(files)
	sources := make([]*capture.File, len(files))
	for k, i := range order {
		sources[k] = files[i]
	}
	if opts.Progress != nil {
		opts.Progress = reordered{opts.Progress, order}
	}
	errw := opts.warnings()
	if overlap {
		// Packet by packet across the files (see timeline.go).
		if times != nil {
			times.merged = true
		}
		p := newPipeline(opts, sink)
		if !p.readMerged(ctx, sources, errw) {
			p.warn(errw, interrupted)
		}
		return p, p.finish()
	}
	if opts.Flow.Tap != nil {
		opts.Jobs = 1 // one Tracker, one numbering: the tap sees the report's IDs
	}
	if starts := parallelPlan(sources, opts.Flow, opts.Jobs); starts != nil {
		if times != nil {
			times.parallel = true
		}
		return runParallel(ctx, sources, starts, sink, opts)
	}
	var p *pipeline
	if opts.Workers > 0 {
		p = newAsyncPipeline(opts, sink, opts.Workers)
		if times != nil {
			p.times, p.async.times, times.workers = times, times, len(p.async.workers)
		}
	} else {
		p = newPipeline(opts, sink)
	}
	for i, src := range sources {
		if !p.readFile(ctx, i, src, errw) {
			p.warn(errw, interrupted)
			break
		}
	}
	return p, p.finish()
}

// reordered reports progress under each file's index as Run was given
// it, not in the order it is read.
type reordered struct {
	Progress
	order []int // order[k] is the index given of the k-th file read
}

func (r reordered) Update(k int, inputBytes int64, conns uint64) {
	r.Progress.Update(r.order[k], inputBytes, conns)
}

// closeOnCancel closes every file when ctx is cancelled, so that a read
// blocked on a pipe or a FIFO returns and the report of what was read can
// be written; stop ends the watch. (Standard input cannot be closed under
// a reader: a second signal ends esaflow there, see the command's main.)
func closeOnCancel(ctx context.Context, files []*capture.File) (stop func()) {
	stopWatch := context.AfterFunc(ctx, func() {
		for _, s := range files {
			s.Close()
		}
	})
	return func() { stopWatch() }
}
