package report

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// column is one column of a table: its header, and whether it is shown
// only with Options.Wide, may be cut to fit Options.Width, or holds times
// (its header then names their zone).
type column struct {
	name   string
	wide   bool
	shrink bool
	time   bool
}

// tableLayout is how the tables are laid out: which columns, how wide,
// which time zone (Options.Wide, Width, Location).
type tableLayout struct {
	wide  bool
	width int
	loc   *time.Location
}

// minShrunk is the narrowest a cut column becomes: room for a few letters
// and the ellipsis.
const minShrunk = 8

// time formats t for a table cell in the layout's zone.
func (l tableLayout) time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.loc == nil {
		return t.UTC().Format(tableTime)
	}
	return t.In(l.loc).Format(tableTime)
}

// zone is the time columns' header suffix.
func (l tableLayout) zone() string {
	if l.loc == nil {
		return " (UTC)"
	}
	return " (" + l.loc.String() + ")"
}

// write writes the table of cols and rows (one cell per column): the wide
// columns only with wide, then, with a width, the shrinkable columns cut
// (widest first) until every line fits.
func (l tableLayout) write(w io.Writer, cols []column, rows [][]string) error {
	var keep []int
	for i, c := range cols {
		if l.wide || !c.wide {
			keep = append(keep, i)
		}
	}
	header := make([]string, len(keep))
	for k, i := range keep {
		header[k] = cols[i].name
		if cols[i].time {
			header[k] += l.zone()
		}
	}
	out := make([][]string, len(rows))
	for r, row := range rows {
		cells := make([]string, len(keep))
		for k, i := range keep {
			cells[k] = row[i]
		}
		out[r] = cells
	}
	var dropped []string
	if l.width > 0 {
		for !fitWidth(header, out, keep, cols, l.width) && !l.wide {
			// Cut as far as they go, the text columns still do not fit
			// (long IPv6 endpoints on a narrow terminal): the rightmost
			// one is left out, and a note says so.
			k := len(keep) - 1
			for k >= 0 && !cols[keep[k]].shrink {
				k--
			}
			if k < 0 {
				break
			}
			dropped = append([]string{header[k]}, dropped...)
			keep = append(keep[:k], keep[k+1:]...)
			header = append(header[:k], header[k+1:]...)
			for r := range out {
				out[r] = append(out[r][:k], out[r][k+1:]...)
			}
		}
	}
	if err := writePlainTable(w, header, out); err != nil {
		return err
	}
	if len(dropped) > 0 {
		_, err := fmt.Fprintf(w, "(%s left out at %d columns; --wide shows them)\n", strings.Join(dropped, ", "), l.width)
		return err
	}
	return nil
}

// fitWidth cuts the cells of the shrinkable columns, the widest column
// first, until a line of the table takes at most width columns or every
// such column is down to minShrunk (or its header); it reports whether
// the table fits.
func fitWidth(header []string, rows [][]string, keep []int, cols []column, width int) bool {
	widths := make([]int, len(header))
	for k, h := range header {
		widths[k] = cellWidth(h)
	}
	for _, row := range rows {
		for k, c := range row {
			widths[k] = max(widths[k], cellWidth(c))
		}
	}
	total := func() int {
		t := len(columnGap) * (len(widths) - 1)
		for _, w := range widths {
			t += w
		}
		return t
	}
	for total() > width {
		widest := -1
		for k, i := range keep {
			if cols[i].shrink && widths[k] > max(minShrunk, cellWidth(header[k])) && (widest < 0 || widths[k] > widths[widest]) {
				widest = k
			}
		}
		if widest < 0 {
			break // nothing left to cut: the table is as narrow as it gets
		}
		widths[widest]--
	}
	for _, row := range rows {
		for k, c := range row {
			if cellWidth(c) > widths[k] {
				row[k] = cutToWidth(c, widths[k])
			}
		}
	}
	return total() <= width
}

// cutToWidth shortens s with an ellipsis to at most w display columns,
// never inside an escape sequence (shorten).
func cutToWidth(s string, w int) string {
	n := utf8.RuneCountInString(s)
	for n > 1 && cellWidth(s) > w {
		n--
		s = shorten(s, n)
	}
	return s
}
