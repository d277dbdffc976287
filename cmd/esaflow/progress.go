package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress display settings.
const (
	// progressMinBytes is the input size below which no progress is shown:
	// small inputs are analysed before anyone would read it.
	progressMinBytes = 8 << 20
	// progressEvery is the shortest time between two redraws.
	progressEvery = 100 * time.Millisecond
)

// progress draws a one-line progress report (bytes done and total, rate,
// ETA, connections so far) on a terminal, redrawing it in place with a
// carriage return at most every progressEvery, and clears it at the end.
// It only ever writes to its own writer (stderr): what it shows comes from
// the wall clock and never reaches the report.
//
// A nil *progress draws nothing, so callers need not check whether
// progress is shown. Its methods are safe for concurrent use, so that
// files read in parallel can each report their own part.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	total int64
	done  []int64  // bytes read, per input
	conns []uint64 // connections seen, per input
	start time.Time
	drawn time.Time // last redraw
	width int       // width of the line on screen; 0 when none is
}

// newProgress returns the progress display for inputs of total bytes in
// sources parts, or nil when none should be shown: stderr is not a
// terminal, --quiet was given, the size is unknown (standard input) or
// too small to be worth it.
func newProgress(stdio IO, quiet bool, sizes []int64) *progress {
	if quiet || !stdio.ErrTerminal {
		return nil
	}
	var total int64
	for _, s := range sizes {
		if s < 0 {
			return nil
		}
		total += s
	}
	if total < progressMinBytes {
		return nil
	}
	now := stdio.now
	t := now()
	return &progress{w: stdio.Err, now: now, total: total, done: make([]int64, len(sizes)),
		conns: make([]uint64, len(sizes)), start: t, drawn: t}
}

// Update records that input i has read done bytes and seen conns
// connections, and redraws the line if the last redraw is old enough
// (engine.Progress).
func (p *progress) Update(i int, done int64, conns uint64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done[i], p.conns[i] = done, conns
	t := p.now()
	if t.Sub(p.drawn) < progressEvery {
		return
	}
	p.drawn = t
	p.draw(t)
}

// draw writes the line; p.mu is held.
func (p *progress) draw(t time.Time) {
	var done int64
	var conns uint64
	for i := range p.done {
		done += p.done[i]
		conns += p.conns[i]
	}
	done = min(done, p.total)
	elapsed := t.Sub(p.start).Seconds()
	line := fmt.Sprintf("%s / %s  %3.0f%%", mib(done), mib(p.total), 100*float64(done)/float64(p.total))
	if elapsed > 0 && done > 0 {
		rate := float64(done) / elapsed
		eta := time.Duration(float64(p.total-done) / rate * float64(time.Second))
		line += fmt.Sprintf("  %s/s  ETA %s", mib(int64(rate)), clock(eta))
	}
	line += fmt.Sprintf("  %d connections", conns)
	pad := max(p.width-len(line), 0)
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// clear erases the line, if one is shown; p.mu is held.
func (p *progress) clear() {
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
		p.width = 0
	}
}

// Done erases the line for good.
func (p *progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// Write erases the line, then writes b: stderr messages go through it so
// that a warning is not drawn over the progress line. The next update
// draws the line again below it.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	return p.w.Write(b)
}

// stderr returns where messages to the user go while p is shown.
func (p *progress) stderr(w io.Writer) io.Writer {
	if p == nil {
		return w
	}
	return p
}

// mib formats a byte count in MiB (GiB from 10 GiB up).
func mib(n int64) string {
	if n >= 10<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// clock formats d as m:ss, or h:mm:ss from an hour up.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
