package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// tablewriterTable is how writePlainTable's layout was made before it did
// it itself: the reference it must keep matching.
func tablewriterTable(t *testing.T, header []string, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Lines: tw.LinesNone, Separators: tw.SeparatorsNone},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithPadding(tw.Padding{Left: tw.Empty, Right: columnGap, Overwrite: true}),
	)
	tbl.Header(header)
	if err := tbl.Bulk(rows); err != nil {
		t.Fatal(err)
	}
	if err := tbl.Render(); err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		nl := strings.HasSuffix(line, "\n")
		out = append(out, strings.TrimRight(strings.TrimSuffix(line, "\n"), " ")...)
		if nl {
			out = append(out, '\n')
		}
	}
	return out
}

func TestPlainTableMatchesTablewriter(t *testing.T) {
	twwidth.SetEastAsian(false) // as cmd/esaflow sets it
	header := []string{"HOST", "CONNS", "VERDICT", "DETAIL", "REASON"}
	tables := [][][]string{
		{{"192.0.2.1", "3", "ACCEPT", "DELIVERED 3", ""}, {"2001:db8::1", "12", "MIXED", "ACCEPT 1, REJECT 11", "access_denied"}},
		{{"198.51.100.7", "1", "REJECT", `554 \x1b[31m`, "5.7.x security or policy"}},
		{{"a", "1", "ACCEPT", "220 メールサーバー", "é"}, {"bb", "22", "", "", "x"}},
		{{"c", "", "", "", ""}},
		{},
	}
	for i, rows := range tables {
		var got bytes.Buffer
		if err := writePlainTable(&got, header, rows); err != nil {
			t.Fatal(err)
		}
		if want := tablewriterTable(t, header, rows); !bytes.Equal(got.Bytes(), want) {
			t.Errorf("table %d:\n got:\n%s\nwant:\n%s", i, got.Bytes(), want)
		}
	}
}

// TestTablesIgnoreTheLocale: tablewriter's width functions take East
// Asian ambiguous runes (the ellipsis "…" among them) as wide under a CJK
// locale; esaflow's tables must be the same bytes under any LANG.
func TestTablesIgnoreTheLocale(t *testing.T) {
	if *update {
		t.Skip("-update")
	}
	twwidth.SetEastAsian(true) // what LANG=ja_JP.UTF-8 would set
	defer twwidth.SetEastAsian(false)
	recs := fixtureRecords()
	recs[0].Banner = "220 mx … ±° ready"
	want := render(t, Options{Format: FormatTable, Flows: true}, fixtureRecords(), fixtureStats())
	checkGolden(t, "table_flows.txt", want)
	twwidth.SetEastAsian(false)
	narrow := render(t, Options{Format: FormatTable, Flows: true}, recs, fixtureStats())
	twwidth.SetEastAsian(true)
	if wide := render(t, Options{Format: FormatTable, Flows: true}, recs, fixtureStats()); !bytes.Equal(wide, narrow) {
		t.Errorf("the table depends on the East Asian width setting:\n%s\n---\n%s", wide, narrow)
	}
}

// TestTablesFitTheTerminal: at 80 and 120 columns, every line of both
// tables fits (cut text columns, or a note naming the columns left out);
// without a width the lines are whole, and --wide adds the times.
func TestTablesFitTheTerminal(t *testing.T) {
	for _, width := range []int{80, 120} {
		out := render(t, Options{Format: FormatTable, Flows: true, Width: width}, fixtureRecords(), fixtureStats())
		for _, line := range strings.Split(string(out), "\n") {
			if line == "" || strings.HasPrefix(line, "(") || strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "warning:") || strings.HasPrefix(line, "flag evidence") || strings.HasPrefix(line, "flags:") {
				continue // notes, legends and warnings wrap as prose
			}
			if w := cellWidth(line); w > width {
				t.Errorf("width %d: a line of %d columns: %q", width, w, line)
			}
		}
	}
	whole := string(render(t, Options{Format: FormatTable, Flows: true}, fixtureRecords(), fixtureStats()))
	if strings.Contains(whole, "left out") || strings.Contains(whole, "FIRST") {
		t.Errorf("without a width, columns are left out or the wide ones shown:\n%s", whole)
	}
	wide := string(render(t, Options{Format: FormatTable, Flows: true, Wide: true}, fixtureRecords(), fixtureStats()))
	if !strings.Contains(wide, "START (UTC)") || !strings.Contains(wide, "FIRST (UTC)") || !strings.Contains(wide, "HISTORY") {
		t.Errorf("--wide lacks the times or the history:\n%s", wide)
	}
}
