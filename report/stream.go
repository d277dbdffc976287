package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/esaflow/esaflow/classify"
)

// flowColumns are the headers of the per-connection table and the widths
// a FlowRowWriter pads them to.
var flowColumns = []struct {
	name  string
	width int
}{
	{"ID", 4}, {"START", 26}, {"CLIENT", 21}, {"SERVER", 21}, {"VERDICT", 12},
	{"OUTCOME", 18}, {"BANNER", bannerWidth}, {"HISTORY", 9}, {"CLOSED BY", 10},
	{"TLS", 12}, {"REASON", 12}, {"FLAGS", 0},
}

// FlowRowWriter prints the per-connection table (the columns of
// "analyze --flows") one row at a time, for output that must show each
// connection the moment it is decided. Columns have fixed widths, so rows
// written apart still line up; a longer cell (an IPv6 endpoint) pushes the
// rest of its row to the right.
type FlowRowWriter struct {
	w    io.Writer
	line strings.Builder
}

// NewFlowRowWriter returns a FlowRowWriter writing to w.
func NewFlowRowWriter(w io.Writer) *FlowRowWriter { return &FlowRowWriter{w: w} }

// Header writes the header line.
func (f *FlowRowWriter) Header() error { return f.write(flowHeader()) }

// Row writes one line for r.
func (f *FlowRowWriter) Row(r *classify.Record) error { return f.write(flowRow(r)) }

// write pads cells to the column widths and writes them as one line in a
// single call, so that a line is never interleaved with other output.
func (f *FlowRowWriter) write(cells []string) error {
	f.line.Reset()
	for i, c := range cells {
		f.line.WriteString(c)
		if pad := flowColumns[i].width - len([]rune(c)); pad > 0 && i < len(cells)-1 {
			f.line.WriteString(strings.Repeat(" ", pad))
		}
		if i < len(cells)-1 {
			f.line.WriteString(columnGap)
		}
	}
	s := strings.TrimRight(f.line.String(), " ") + "\n"
	if _, err := io.WriteString(f.w, s); err != nil {
		return fmt.Errorf("writing a connection row: %w", err)
	}
	return nil
}
