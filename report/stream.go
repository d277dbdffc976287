package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/esaflow/esaflow/classify"
)

// flowRowWidths are the widths a FlowRowWriter pads the columns of
// flowTableColumns to (0: the last column, never padded), and
// compactWidths those it uses on a terminal too narrow for them: a
// typical IPv4 client with an ephemeral port, a server on a short port,
// the longest verdict. A longer cell pushes the rest of its row right.
var (
	flowRowWidths = []int{4, 26, 21, 21, 12, 18, bannerWidth, 9, 10, 12, 12, 0}
	compactWidths = []int{4, 26, 19, 17, 10, 18, bannerWidth, 9, 10, 12, 12, 0}
)

// FlowRowWriter prints the per-connection table (the columns of
// "analyze --flows") one row at a time, for output that must show each
// connection the moment it is decided. Columns have fixed widths, so rows
// written apart still line up. Options lay it out as they do analyze's
// tables: the wide columns only with Wide, times in Location (named in
// the header), and with a Width no line longer: the text columns (banner,
// reason, flags) share what the others leave, those with no room are left
// out with a note under the header, and a line a long cell (an IPv6
// endpoint) still pushes past the width is cut there.
type FlowRowWriter struct {
	w      io.Writer
	layout tableLayout
	keep   []int // indexes into flowTableColumns
	widths []int // one per kept column
	note   string
	line   strings.Builder
}

// NewFlowRowWriter returns a FlowRowWriter writing to w, laid out by
// opts.Wide, Width and Location.
func NewFlowRowWriter(w io.Writer, opts Options) *FlowRowWriter {
	f := &FlowRowWriter{w: w, layout: tableLayout{wide: opts.Wide, width: opts.Width, loc: opts.Location}}
	widths := flowRowWidths
	if f.layout.width > 0 && !f.layout.wide {
		widths = compactWidths
	}
	for i, c := range flowTableColumns {
		if f.layout.wide || !c.wide {
			f.keep = append(f.keep, i)
			f.widths = append(f.widths, widths[i])
		}
	}
	if f.layout.width > 0 && !f.layout.wide {
		f.fit()
	}
	return f
}

// fit shares the width the fixed columns leave among the text columns:
// each gets at most its usual width and at least minShrunk, the last one
// the rest; those that cannot get minShrunk are left out, the rightmost
// first.
func (f *FlowRowWriter) fit() {
	var dropped []string
	for {
		fixed, texts := 0, 0
		for k, i := range f.keep {
			if flowTableColumns[i].shrink {
				texts++
			} else {
				fixed += f.widths[k]
			}
		}
		room := f.layout.width - fixed - len(columnGap)*(len(f.keep)-1)
		if texts == 0 || room >= texts*minShrunk {
			for k, i := range f.keep {
				if !flowTableColumns[i].shrink {
					continue
				}
				texts--
				w := room - texts*minShrunk // leave the others their least
				if usual := flowRowWidths[i]; usual > 0 && texts > 0 {
					w = min(w, usual)
				}
				f.widths[k] = w
				room -= w
			}
			break
		}
		k := len(f.keep) - 1
		for !flowTableColumns[f.keep[k]].shrink {
			k--
		}
		dropped = append([]string{flowTableColumns[f.keep[k]].name}, dropped...)
		f.keep = append(f.keep[:k], f.keep[k+1:]...)
		f.widths = append(f.widths[:k], f.widths[k+1:]...)
	}
	if len(dropped) > 0 {
		f.note = fmt.Sprintf("(%s left out at %d columns; --wide shows them)\n", strings.Join(dropped, ", "), f.layout.width)
	}
}

// Header writes the header line, and the note of the columns left out.
func (f *FlowRowWriter) Header() error {
	cells := make([]string, len(flowTableColumns))
	for i, c := range flowTableColumns {
		cells[i] = c.name
		if c.time {
			cells[i] += f.layout.zone()
		}
	}
	if err := f.write(cells); err != nil {
		return err
	}
	if f.note != "" {
		if _, err := io.WriteString(f.w, f.note); err != nil {
			return fmt.Errorf("writing a connection row: %w", err)
		}
	}
	return nil
}

// Row writes one line for r.
func (f *FlowRowWriter) Row(r *classify.Record) error {
	cells := flowRow(r)
	cells[1] = f.layout.time(r.Start)
	return f.write(cells)
}

// write pads the kept cells to their widths and writes them as one line
// in a single call, so that a line is never interleaved with other output.
func (f *FlowRowWriter) write(cells []string) error {
	f.line.Reset()
	last := len(f.keep) - 1
	for k, i := range f.keep {
		c, w := cells[i], f.widths[k]
		if flowTableColumns[i].shrink && f.layout.width > 0 && w > 0 && cellWidth(c) > w {
			c = cutToWidth(c, w)
		}
		f.line.WriteString(c)
		if k < last {
			if pad := w - cellWidth(c); pad > 0 {
				f.line.WriteString(strings.Repeat(" ", pad))
			}
			f.line.WriteString(columnGap)
		}
	}
	s := strings.TrimRight(f.line.String(), " ")
	if f.layout.width > 0 && cellWidth(s) > f.layout.width {
		s = cutToWidth(s, f.layout.width)
	}
	if _, err := io.WriteString(f.w, s+"\n"); err != nil {
		return fmt.Errorf("writing a connection row: %w", err)
	}
	return nil
}
