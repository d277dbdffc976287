package report

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
)

func TestFlowRowsWrittenApartLineUpUnderTheHeader(t *testing.T) {
	var b bytes.Buffer
	w := NewFlowRowWriter(&b, Options{Wide: true})
	start := time.Date(2026, 11, 22, 9, 50, 31, 665726000, time.UTC)
	recs := []classify.Record{
		{ID: 12, Client: netip.MustParseAddr("198.51.100.24"), ClientPort: 57078, Server: netip.MustParseAddr("192.0.2.25"), ServerPort: 25,
			Verdict: classify.VerdictAccept, Outcome: classify.OutcomeQuit, BannerCode: 220, Banner: "mx.example.net ESMTP Postfix",
			History: "ShAdDafF", ClosedBy: "server FIN", Start: start},
		{ID: 13, Client: netip.MustParseAddr("198.51.100.14"), ClientPort: 40506, Server: netip.MustParseAddr("192.0.2.25"), ServerPort: 25,
			Verdict: classify.VerdictTCPRefuse, History: "ShAr", ClosedBy: "server RST", Start: start},
	}
	if err := w.Header(); err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if err := w.Row(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	want := `ID    START (UTC)                 CLIENT                 SERVER                 VERDICT       OUTCOME             BANNER                                    HISTORY    CLOSED BY   TLS           REASON        FLAGS
12    2026-11-22 09:50:31.665726  198.51.100.24:57078    192.0.2.25:25          ACCEPT        QUIT                220 mx.example.net ESMTP Postfix          ShAdDafF   server FIN
13    2026-11-22 09:50:31.665726  198.51.100.14:40506    192.0.2.25:25          TCPREFUSE                                                                   ShAr       server RST
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing space in %q", line)
		}
	}
}
