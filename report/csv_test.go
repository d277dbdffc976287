package report

import (
	"bytes"
	"encoding/csv"
	"net/netip"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// TestCSVFormulaCellsAreNeutralised: a hostile server's banner and reply
// texts that a spreadsheet would evaluate as formulas come out as text.
func TestCSVFormulaCellsAreNeutralised(t *testing.T) {
	hostile := []string{`=HYPERLINK("http://evil.example","x")`, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"}
	for _, text := range hostile {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		rec := classify.Record{ID: 1, Client: netip.MustParseAddr("198.51.100.7"), Server: netip.MustParseAddr("192.0.2.25"),
			ServerPort: 25, Verdict: classify.VerdictAccept, Outcome: classify.OutcomeQuit, BannerCode: 220, Banner: text,
			Start: at, End: at, Replies: []classify.Reply{}, Flags: []classify.Flag{}, Explanation: text, Reason: text}
		var out bytes.Buffer
		r := New(&out, Options{Format: FormatCSV})
		if err := r.Connection(&rec); err != nil {
			t.Fatal(err)
		}
		if err := r.Finish(&Stats{}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, col := range rows[0] {
			switch col {
			case "banner", "explanation", "reason":
				if got := rows[1][i]; got != "'"+text {
					t.Errorf("%s cell %q, want %q", col, got, "'"+text)
				}
			}
		}
	}
}
