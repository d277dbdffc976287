package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/internal/golden"
)

// render feeds recs to a new Renderer for opts and returns its output.
func render(t *testing.T, opts Options, recs []classify.Record, stats *Stats) []byte {
	t.Helper()
	var b bytes.Buffer
	r := New(&b, opts)
	for i := range recs {
		if err := r.Connection(&recs[i]); err != nil {
			t.Fatalf("Connection(%d): %v", recs[i].ID, err)
		}
	}
	if err := r.Finish(stats); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return b.Bytes()
}

// checkGolden compares got with testdata/golden/name, or rewrites the file
// with -update (printing what changed).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "golden", name), got, *update, "go test ./report -update")
}

// goldenCases are the golden files and the options that produce them.
var goldenCases = []struct {
	file string
	opts Options
}{
	{"table.txt", Options{Format: FormatTable}},
	{"table_flows.txt", Options{Format: FormatTable, Flows: true}},
	{"table_by_server.txt", Options{Format: FormatTable, GroupBy: GroupServer}},
	{"table_wide.txt", Options{Format: FormatTable, Wide: true}},
	{"table_flows_wide.txt", Options{Format: FormatTable, Flows: true, Wide: true}},
	{"table_80.txt", Options{Format: FormatTable, Width: 80}},
	{"table_flows_80.txt", Options{Format: FormatTable, Flows: true, Width: 80}},
	{"table_flows_120.txt", Options{Format: FormatTable, Flows: true, Width: 120}},
	{"table_flows_wide_120.txt", Options{Format: FormatTable, Flows: true, Wide: true, Width: 120}},
	{"report.json", Options{Format: FormatJSON}},
	{"report.jsonl", Options{Format: FormatJSONL}},
	{"report.csv", Options{Format: FormatCSV}},
	{"report.transactions.jsonl", Options{Format: FormatTransactions}},
}

func TestGoldenFiles(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			checkGolden(t, tc.file, render(t, tc.opts, fixtureRecords(), fixtureStats()))
		})
	}
}

func TestGoldenFilesWithReusedRecord(t *testing.T) {
	// The caller may reuse the *Record after Connection returns; the
	// output must be the same as with distinct records.
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			if *update {
				t.Skip("-update")
			}
			var b bytes.Buffer
			r := New(&b, tc.opts)
			var reused classify.Record
			for _, rec := range fixtureRecords() {
				reused = rec
				if err := r.Connection(&reused); err != nil {
					t.Fatal(err)
				}
				reused = classify.Record{ID: 999, Banner: "clobbered", History: "clobbered"}
			}
			if err := r.Finish(fixtureStats()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.file, b.Bytes())
		})
	}
}

func TestEmptyInput(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			checkGolden(t, "empty_"+tc.file, render(t, tc.opts, nil, nil))
		})
	}
}

// TestLiveGoldenFiles: live's table, rows printed one at a time then the
// hosts, at 80 and 120 columns (no row longer), in a pipe and --wide.
func TestLiveGoldenFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		opts Options
	}{
		{"live.txt", Options{}},
		{"live_80.txt", Options{Width: 80}},
		{"live_120.txt", Options{Width: 120}},
		{"live_wide.txt", Options{Wide: true}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			l := NewLive(&b, tc.opts)
			if err := l.Start(); err != nil {
				t.Fatal(err)
			}
			recs := fixtureRecords()
			for i := range recs {
				if err := l.Connection(&recs[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Finish(fixtureStats()); err != nil {
				t.Fatal(err)
			}
			if tc.opts.Width > 0 { // the rows (the legend's prose may wrap)
				rows, _, _ := strings.Cut(b.String(), "\n\n")
				for _, line := range strings.Split(rows, "\n") {
					if w := cellWidth(line); w > tc.opts.Width {
						t.Errorf("a line of %d columns: %q", w, line)
					}
				}
			}
			checkGolden(t, tc.file, b.Bytes())
		})
	}
}
