package flow_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
)

// TestReverseOrderFloodIsBoundedAndFlagged sends a client's 200,000
// one-byte segments in reverse order. The bytes held out of order are
// bounded (so the first ones are given up), and the record and the
// statistics say how many: every byte sent is either delivered or given
// up, none silently lost.
func TestReverseOrderFloodIsBoundedAndFlagged(t *testing.T) {
	var recs []classify.Record
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts("25")}, classify.NewClassifier(func(r *classify.Record) { recs = append(recs, *r) }))
	cl := netip.MustParseAddrPort("198.51.100.7:40001")
	sv := netip.MustParseAddrPort("192.0.2.25:25")
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	seg := func(src, dst netip.AddrPort, seq, ack uint32, flags uint8, payload string) {
		at = at.Add(time.Microsecond)
		tr.Segment(&flow.Segment{Src: src, Dst: dst, Seq: seq, Ack: ack, Flags: flags, Payload: []byte(payload), WireLen: len(payload), Time: at, Window: 64240, TTL: 64})
	}
	const n = 200000
	seg(cl, sv, 1000, 0, flow.FlagSYN, "")
	seg(sv, cl, 5000, 1001, flow.FlagSYN|flow.FlagACK, "")
	seg(cl, sv, 1001, 5001, flow.FlagACK, "")
	seg(sv, cl, 5001, 1001, flow.FlagACK|flow.FlagPSH, "220 mx\r\n")
	for i := n - 1; i >= 0; i-- {
		seg(cl, sv, 1001+uint32(i), 5009, flow.FlagACK|flow.FlagPSH, "x")
	}
	seg(cl, sv, 1001+n, 5009, flow.FlagFIN|flow.FlagACK, "")
	seg(sv, cl, 5009, 1002+n, flow.FlagFIN|flow.FlagACK, "")
	tr.Flush()
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r, st := recs[0], tr.Stats()
	var ev string
	for _, f := range r.Flags {
		if f.Name == classify.FlagReassemblyLimit {
			ev = f.Evidence
		}
	}
	if ev == "" {
		t.Fatalf("no %s flag: %+v", classify.FlagReassemblyLimit, r.Flags)
	}
	if st.GaveUp == 0 || st.GaveUpConns != 1 {
		t.Errorf("stats gave up %d bytes in %d connections", st.GaveUp, st.GaveUpConns)
	}
	if r.ClientBytes+st.GaveUp+r.MissedBytes != n {
		t.Errorf("delivered %d + given up %d + missed %d != %d sent (%s)", r.ClientBytes, st.GaveUp, r.MissedBytes, n, ev)
	}
	t.Logf("delivered %d, given up %d, missed %d; %s", r.ClientBytes, st.GaveUp, r.MissedBytes, ev)
	if held := r.ClientBytes; held < 10000 {
		t.Errorf("only %d bytes delivered: the bound holds too little", held)
	}
}
