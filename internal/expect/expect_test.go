package expect

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/report"
)

func recs() []classify.Record {
	mk := func(id uint64, client string, v classify.Verdict, o classify.Outcome) classify.Record {
		return classify.Record{ID: id, Client: netip.MustParseAddr(client), ClientPort: 40000, Server: netip.MustParseAddr("2001:db8::25"), ServerPort: 25, Verdict: v, Outcome: o}
	}
	return []classify.Record{
		mk(1, "2001:db8::7", classify.VerdictAccept, classify.OutcomeDelivered),
		mk(2, "2001:db8::7", classify.VerdictAccept, classify.OutcomeTLS),
		mk(3, "2001:db8:1::9", classify.VerdictTCPRefuse, classify.OutcomeNone),
		{ID: 4, Client: netip.MustParseAddr("2001:db8:2::4"), ServerPort: 25, Verdict: classify.VerdictAccept, Outcome: classify.OutcomeReset,
			Flags: []classify.Flag{{Name: "inspection_limit:rcpt_count_100"}, {Name: "rst_forged_suspected"}}},
		{ID: 5, Client: netip.MustParseAddr("2001:db8:2::5"), ServerPort: 25, Verdict: classify.VerdictReject, Reason: "access_denied"},
	}
}

func evaluate(t *testing.T, yaml string) []Result {
	t.Helper()
	spec, err := Parse("e.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	agg := report.NewAggregator(report.GroupClient)
	rs := recs()
	for i := range rs {
		agg.Add(&rs[i])
	}
	return spec.Check(rs, agg.Hosts(), report.GroupClient)
}

func TestHostOutcomesMustAllMatch(t *testing.T) {
	rs := evaluate(t, "hosts:\n  \"2001:db8::7\": {verdict: ACCEPT, outcome: DELIVERED}\n")
	if rs[0].Pass || !strings.Contains(rs[0].Detail, "another outcome") || len(rs[0].Conns) != 1 {
		t.Fatalf("%+v", rs[0])
	}
	rs = evaluate(t, "hosts:\n  \"2001:db8::7\": {outcome: [DELIVERED, TLS], at_least: 2}\n")
	if !rs[0].Pass {
		t.Fatalf("%+v", rs[0])
	}
}

func TestConnectionCounts(t *testing.T) {
	for yaml, pass := range map[string]bool{
		"connections:\n  - verdict: ACCEPT\n    exactly: 3\n":                           true,
		"connections:\n  - verdict: ACCEPT\n    exactly: 1\n":                           false,
		"connections:\n  - client: 2001:db8::/32\n    verdict: ACCEPT\n    all: true\n": false,
		"connections:\n  - client: 2001:db8:1::/48\n    verdict: TCPREFUSE\n":           true,
		"connections:\n  - server_port: 587\n    verdict: ACCEPT\n":                     false,
	} {
		if rs := evaluate(t, yaml); rs[0].Pass != pass {
			t.Errorf("%q: pass=%v, want %v (%s)", yaml, rs[0].Pass, pass, rs[0].Detail)
		}
	}
}

func TestJUnitEscapesWireText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, "", []Result{{Name: `a <b> & "c"`, Detail: "x<y", Conns: []string{"z&"}}}); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); strings.Contains(s, "<b>") || !strings.Contains(s, "&lt;b&gt;") {
		t.Errorf("not escaped:\n%s", s)
	}
}

func TestConnectionFlagsAndReasons(t *testing.T) {
	for yaml, pass := range map[string]bool{
		"connections:\n  - flags: [inspection_limit, rst_forged_suspected]\n":             true,
		"connections:\n  - flags: inspection_limit:rcpt_count_100\n    verdict: ACCEPT\n": true,
		"connections:\n  - flags: inspection_limit:command_line_512\n":                    false,
		"connections:\n  - flags: rst_forged_suspected\n    exactly: 0\n":                 false,
		"connections:\n  - flags: banner_masked\n    exactly: 0\n":                        true,
		"connections:\n  - reason: [access_denied, blocklisted]\n    verdict: REJECT\n":   true,
		"connections:\n  - reason: relay_denied\n":                                        false,
	} {
		if rs := evaluate(t, yaml); rs[0].Pass != pass {
			t.Errorf("%q: pass=%v, want %v (%s)", yaml, rs[0].Pass, pass, rs[0].Detail)
		}
	}
	if _, err := Parse("e.yaml", []byte("connections:\n  - flags: no_such_flag\n")); err == nil || !strings.Contains(err.Error(), "e.yaml:2: unknown flag") {
		t.Errorf("unknown flag: %v", err)
	}
}
