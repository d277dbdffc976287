package report

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// columnGap separates the columns of a plain table.
const columnGap = "  "

// writePlainTable writes a plain table to w: no borders, no colours,
// left-aligned columns separated by two spaces, one line per row, headers
// printed as given, and no trailing spaces. Cells must not contain
// newlines (a newline would start another line of the same row).
//
// It lays the table out itself, the way tablewriter does (column width:
// the widest cell's display width; TestPlainTableMatchesTablewriter holds
// the two together), because tablewriter took twenty seconds and gigabytes
// for the million-host table of a SYN flood.
func writePlainTable(w io.Writer, header []string, rows [][]string) error {
	widths := make([]int, len(header))
	measure := func(cells []string) {
		for i, c := range cells {
			if i < len(widths) {
				widths[i] = max(widths[i], cellWidth(c))
			}
		}
	}
	measure(header)
	for _, r := range rows {
		measure(r)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	writeRow := func(cells []string) {
		line = line[:0]
		for i := range widths {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			line = append(line, c...)
			if i < len(widths)-1 {
				for pad := widths[i] - cellWidth(c) + len(columnGap); pad > 0; pad-- {
					line = append(line, ' ')
				}
			}
		}
		line = append(bytes.TrimRight(line, " "), '\n')
		bw.Write(line)
	}
	writeRow(header)
	for _, r := range rows {
		writeRow(r)
	}
	return bw.Flush()
}

// cellWidth is the display width of a cell: its length when it is ASCII,
// else what tablewriter's width function says (wide and zero-width runes),
// with East Asian ambiguous runes narrow whatever the locale: the same
// input gives the same bytes under any LANG.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return twwidth.WidthWithOptions(s, twwidth.Options{EastAsianWidth: false})
		}
	}
	return len(s)
}
