package expect

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/report"
)

// TestShareExpectations: "at_least: 95%" holds when that share of the
// selected connections (a host's, for a host rule) match, whatever the
// host's single verdict, and fails below it; --init writes a mostly-REJECT
// host that way, and what it writes passes.
func TestShareExpectations(t *testing.T) {
	host := netip.MustParseAddr("198.51.100.7")
	var recs []classify.Record
	agg := report.NewAggregator(report.GroupClient)
	for i := range 20 {
		v := classify.VerdictReject
		if i == 0 {
			v = classify.VerdictAccept
		}
		r := classify.Record{ID: uint64(i + 1), Client: host, ClientPort: uint16(40000 + i), Server: netip.MustParseAddr("192.0.2.25"), ServerPort: 25, Verdict: v}
		recs = append(recs, r)
		agg.Add(&r)
	}
	for _, tc := range []struct {
		yaml string
		pass bool
	}{
		{"hosts:\n  198.51.100.7: {verdict: REJECT, at_least: 95%}\n", true},
		{"hosts:\n  198.51.100.7: {verdict: REJECT, at_least: 96%}\n", false},
		{"connections:\n  - verdict: REJECT\n    at_least: 95%\n", true},
		{"connections:\n  - verdict: REJECT\n    at_least: 99.5%\n", false},
		{"connections:\n  - client: 203.0.113.0/24\n    verdict: REJECT\n    at_least: 50%\n", false}, // nothing selected
	} {
		spec, err := Parse("p.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatalf("%q: %v", tc.yaml, err)
		}
		rs := spec.Check(recs, agg.Hosts(), report.GroupClient)
		if got := Failed(rs) == 0; got != tc.pass {
			t.Errorf("%q: passed %v, want %v: %+v", tc.yaml, got, tc.pass, rs)
		}
	}
	if _, err := Parse("p.yaml", []byte("connections:\n  - verdict: REJECT\n    at_least: 120%\n")); err == nil {
		t.Error("a share over 100% parsed")
	}
	var b strings.Builder
	if err := WriteInit(&b, []string{"x.pcap"}, nil, agg.Hosts()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "198.51.100.7: {verdict: REJECT, at_least: 95%}") {
		t.Fatalf("--init wrote:\n%s", b.String())
	}
	spec, err := Parse("init.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if rs := spec.Check(recs, agg.Hosts(), report.GroupClient); Failed(rs) != 0 {
		t.Errorf("what --init wrote fails: %+v", rs)
	}
}

// TestFailuresListTheFailingConnectionsWhole: a failure lists the
// connections that fail it — not the ones that pass — every one in the
// JUnit file, the first few in the text with how many more there are.
func TestFailuresListTheFailingConnectionsWhole(t *testing.T) {
	var recs []classify.Record
	agg := report.NewAggregator(report.GroupClient)
	for i := range 30 {
		v := classify.VerdictReject
		if i%3 == 0 {
			v = classify.VerdictTCPRefuse
		}
		r := classify.Record{ID: uint64(i + 1), Client: netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), ClientPort: 40000,
			Server: netip.MustParseAddr("192.0.2.25"), ServerPort: 25, Verdict: v, History: "ShAr", Explanation: "why"}
		recs = append(recs, r)
		agg.Add(&r)
	}
	spec, err := Parse("p.yaml", []byte("connections:\n  - verdict: REJECT\n    all: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	rs := spec.Check(recs, agg.Hosts(), report.GroupClient)
	if len(rs) != 1 || rs[0].Pass || len(rs[0].Conns) != 10 {
		t.Fatalf("want one failure listing the 10 TCPREFUSE connections: %+v", rs)
	}
	for _, c := range rs[0].Conns {
		if !strings.Contains(c, "TCPREFUSE") {
			t.Errorf("a connection that passes is listed: %s", c)
		}
	}
	var text, junit strings.Builder
	WriteText(&text, rs)
	WriteJUnit(&junit, "", rs)
	if !strings.Contains(text.String(), "... and 5 more (--junit lists every one)") || strings.Contains(text.String(), "… …") {
		t.Errorf("text:\n%s", text.String())
	}
	if strings.Count(junit.String(), "TCPREFUSE history") != 10 {
		t.Errorf("the JUnit file does not list all 10:\n%s", junit.String())
	}
}
