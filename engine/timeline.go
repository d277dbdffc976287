package engine

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"os"
	"slices"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/report"
)

// Several inputs are one capture, on one timeline: a rotated set
// (tcpdump -C writes rot.pcap, rot.pcap1 ... rot.pcap10, rot.pcap2, and a
// shell glob sorts them so) or captures of one host's two interfaces. Files
// whose packet times do not overlap are read one after another in the
// order of their first packets, whatever the order they were given in;
// files that overlap are merged packet by packet by time, as mergecap
// does, with ties broken by the packets' bytes so that the order they were
// given in never shows. Either way the same files give the same report.

// frameSpan is when a file's frames were captured.
type frameSpan struct {
	any         bool
	first, last time.Time
}

// scanFrames reads the file name to its end (or its first damage) and
// returns the earliest and latest frame times.
func scanFrames(name string) (frameSpan, error) {
	src, err := capture.Open(name, nil)
	if err != nil {
		return frameSpan{}, err
	}
	defer src.Close()
	var (
		sp  frameSpan
		pkt capture.Packet
	)
	for src.Next(&pkt) == nil {
		if !sp.any || pkt.Time.Before(sp.first) {
			sp.first = pkt.Time
		}
		if !sp.any || pkt.Time.After(sp.last) {
			sp.last = pkt.Time
		}
		sp.any = true
	}
	return sp, nil
}

// orderByTime returns the order in which to read sources, as indices into
// it: the order of their first frames (files without any last, by name).
// It also reports whether their times overlap, so that they must be
// merged packet by packet. Standard input, a single source, or a file
// that cannot be scanned leave the order as given.
func orderByTime(sources []*capture.File) (order []int, overlap bool) {
	order = make([]int, len(sources))
	for i := range order {
		order[i] = i
	}
	if len(sources) < 2 {
		return order, false
	}
	spans := make([]frameSpan, len(sources))
	for i, s := range sources {
		if !regularFile(s.Name()) {
			return order, false // standard input, a FIFO: read once, in the order given
		}
		sp, err := scanFrames(s.Name())
		if err != nil {
			return order, false
		}
		spans[i] = sp
	}
	slices.SortStableFunc(order, func(a, b int) int {
		sa, sb := spans[a], spans[b]
		switch {
		case sa.any != sb.any:
			if sa.any {
				return -1
			}
			return 1
		case sa.any && !sa.first.Equal(sb.first):
			return sa.first.Compare(sb.first)
		}
		return cmp.Compare(sources[a].Name(), sources[b].Name())
	})
	var last time.Time
	for k, i := range order {
		sp := spans[i]
		if !sp.any {
			continue
		}
		if k > 0 && sp.first.Before(last) {
			overlap = true
		}
		if sp.last.After(last) {
			last = sp.last
		}
	}
	return order, overlap
}

// mergeHead is one source's next frame in a merge.
type mergeHead struct {
	src *capture.File
	pkt capture.Packet
	fs  report.FileStat
	ok  bool
}

// before orders frames by time, then by their bytes and length, so that
// which file a frame came from never decides.
func (h *mergeHead) before(o *mergeHead) bool {
	if c := h.pkt.Time.Compare(o.pkt.Time); c != 0 {
		return c < 0
	}
	if c := bytes.Compare(h.pkt.Data, o.pkt.Data); c != 0 {
		return c < 0
	}
	return h.pkt.Length < o.pkt.Length
}

// readMerged feeds the frames of every source to p's tracker in time
// order (see before). p must classify on the tracker's goroutine: a
// frame's bytes are the source's until its next frame is read. It
// returns false when the context was cancelled.
func (p *pipeline) readMerged(ctx context.Context, sources []*capture.File, errw io.Writer) bool {
	heads := make([]mergeHead, len(sources))
	advance := func(h *mergeHead) {
		err := h.src.Next(&h.pkt)
		h.ok = err == nil
		if err == nil || err == io.EOF || ctx.Err() != nil {
			return
		}
		p.warnRead(errw, err, &h.fs)
	}
	for i, s := range sources {
		heads[i] = mergeHead{src: s, fs: report.FileStat{Name: s.Name(), Format: s.Format()}}
		advance(&heads[i])
	}
	defer func() {
		for i := range heads {
			h := &heads[i]
			for _, l := range h.src.LinkTypes() {
				h.fs.LinkTypes = append(h.fs.LinkTypes, l.String())
			}
			h.fs.Packets, h.fs.Bytes = h.src.Packets(), h.src.Offset()
			p.stats.Files = append(p.stats.Files, h.fs)
		}
	}()
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return false
		}
		var next *mergeHead
		for i := range heads {
			if h := &heads[i]; h.ok && (next == nil || h.before(next)) {
				next = h
			}
		}
		if next == nil {
			return true
		}
		p.countTime(next.pkt.Time)
		p.packet(&next.pkt)
		advance(next)
	}
}

// regularFile reports whether name is a regular file, one that can be
// opened and read again (not "-", a FIFO or a device).
func regularFile(name string) bool {
	if name == "-" {
		return false
	}
	st, err := os.Stat(name)
	return err == nil && st.Mode().IsRegular()
}
