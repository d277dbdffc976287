package engine

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// stageTimes adds up how long each stage of an analysis is busy, for a
// developer who wants to know where a run's time goes: a sampling profiler
// on a virtual machine can misplace it (docs/performance.md).
// Options.Timings turns it on; one line goes there at the end. It is timed per batch (of frames read,
// of events classified, of records written), never per packet, so that it
// changes the run it measures by nothing measurable. The reader, the
// tracker and the workers each add on their own goroutine, hence atomics.
type stageTimes struct {
	busy     [stages]atomic.Int64 // nanoseconds, by stage
	workers  int
	parallel bool // files were read in parallel: nothing was timed
	merged   bool // files overlapping in time were merged: nothing was timed
	start    time.Time
	clock    func() time.Time
	w        io.Writer
}

// stage is one of the stretches stageTimes adds up.
type stage int

const (
	stageRead     stage = iota // reading frames from the file (the system call, the record headers)
	stageDecode                // decoding them into segments
	stageTrack                 // tracking, and handing events to workers, on the tracker's goroutine
	stageHandover              // the tracker waiting for a worker to take a batch or free one
	stageInput                 // the tracker waiting for the reader
	stageOutput                // writing the workers' records in order, on the tracker's goroutine
	stageClassify              // the workers classifying (and encoding) records, all workers added
	stages
)

// newStageTimes returns a stageTimes that writes its line to w and reads
// clock, or nil when either is nil (all the methods then do nothing).
func newStageTimes(w io.Writer, clock func() time.Time) *stageTimes {
	if w == nil || clock == nil {
		return nil
	}
	return &stageTimes{start: clock(), clock: clock, w: w}
}

// now returns the time when s is on: the start of a timed stretch.
func (s *stageTimes) now() time.Time {
	if s == nil {
		return time.Time{}
	}
	return s.clock()
}

// add adds the time since from to stage st; it returns the time now, the
// start of the next stretch, so that stretches that follow each other are
// read with one clock reading each.
func (s *stageTimes) add(st stage, from time.Time) time.Time {
	if s == nil {
		return time.Time{}
	}
	now := s.clock()
	s.busy[st].Add(int64(now.Sub(from)))
	return now
}

// addDuration adds d to stage st.
func (s *stageTimes) addDuration(st stage, d time.Duration) {
	if s != nil {
		s.busy[st].Add(int64(d))
	}
}

// report writes the line.
func (s *stageTimes) report() {
	if s == nil {
		return
	}
	w := s.w
	if s.merged {
		fmt.Fprintln(w, "esaflow: timings: not measured when files overlapping in time are merged packet by packet")
		return
	}
	if s.parallel {
		fmt.Fprintln(w, "esaflow: timings: not measured when files are read in parallel (--jobs 1 measures them)")
		return
	}
	ms := func(st stage) string { return fmt.Sprintf("%.0fms", float64(s.busy[st].Load())/1e6) }
	fmt.Fprintf(w, "esaflow: timings: wall %s; reader: read %s, decode %s; tracker: track %s, waiting for a worker %s, waiting for input %s, output %s; %d workers: classify %s\n",
		fmt.Sprintf("%.0fms", float64(s.clock().Sub(s.start))/1e6), ms(stageRead), ms(stageDecode),
		ms(stageTrack), ms(stageHandover), ms(stageInput), ms(stageOutput), s.workers, ms(stageClassify))
}
