package report

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// floodRecords returns n REJECTs from n distinct clients.
func floodRecords(n int) []classify.Record {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := make([]classify.Record, n)
	for i := range recs {
		recs[i] = classify.Record{ID: uint64(i + 1), Client: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}),
			Server: netip.MustParseAddr("192.0.2.25"), ServerPort: 25, Verdict: classify.VerdictReject,
			Start: at, End: at, Replies: []classify.Reply{}, Flags: []classify.Flag{}}
	}
	return recs
}

// TestHostsPastTheBoundShareOneRow: a flood from more sources than the
// bound keeps the bound's hosts apart and counts the rest in one row,
// every connection counted once.
func TestHostsPastTheBoundShareOneRow(t *testing.T) {
	agg := NewBoundedAggregator(GroupClient, 100)
	recs := floodRecords(250)
	for i := range recs {
		agg.Add(&recs[i])
	}
	hosts := agg.Hosts()
	if len(hosts) != 101 {
		t.Fatalf("%d host rows, want 100 and the other row", len(hosts))
	}
	other := hosts[100]
	if !other.Other || other.Connections != 150 || other.Verdict != "REJECT" || other.Addr.IsValid() {
		t.Errorf("other row %+v", other)
	}
	total := 0
	for _, h := range hosts {
		total += h.Connections
	}
	if total != 250 {
		t.Errorf("%d connections counted, want 250", total)
	}
	var b bytes.Buffer
	if err := (tableLayout{}).writeHostTable(&b, hosts); err != nil || !strings.Contains(b.String(), "(more hosts)") {
		t.Errorf("table %v:\n%s", err, b.String())
	}
}

// TestFlowTableStopsAtItsBound: past the bound, the per-connection table
// says how many it left out instead of keeping them.
func TestFlowTableStopsAtItsBound(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, Options{Format: FormatTable, Flows: true}).(*tableRenderer)
	r.maxRows = 10
	recs := floodRecords(25)
	for i := range recs {
		if err := r.Connection(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(&Stats{}); err != nil {
		t.Fatal(err)
	}
	if len(r.conns.recs) != 10 || !strings.Contains(b.String(), "and 15 more connections") {
		t.Errorf("kept %d rows; output:\n%s", len(r.conns.recs), b.String())
	}
}
