package report

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
)

var ladderT0 = time.Date(2026, 11, 22, 9, 50, 38, 85717000, time.UTC)

// drawLadder draws rec with pkts and checks that every line is ASCII,
// without control characters, at most 100 columns wide.
func drawLadder(t *testing.T, rec *classify.Record, pkts []LadderPacket) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteLadder(&b, &Ladder{Record: rec, Packets: pkts}, LadderOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(b.String(), "\n") {
		if len(line) > ladderWidth {
			t.Errorf("line %d is %d columns wide: %q", i+1, len(line), line)
		}
		for _, c := range []byte(line) {
			if c < 0x20 || c >= 0x7f {
				t.Errorf("line %d holds byte %#x: %q", i+1, c, line)
				break
			}
		}
	}
	return b.String()
}

// ladderContains fails the test for each of wants that out lacks.
func ladderContains(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from\n%s", want, out)
		}
	}
}

func tcpRefuseRecord() *classify.Record {
	return &classify.Record{
		ID: 13, Client: netip.MustParseAddr("198.51.100.14"), ClientPort: 40506,
		Server: netip.MustParseAddr("192.0.2.25"), ServerPort: 25,
		Verdict: classify.VerdictTCPRefuse, History: "ShAr", ConnState: "RSTR", ClosedBy: "server RST",
		Start: ladderT0, End: ladderT0.Add(730 * time.Microsecond),
		Explanation: "server RST in 681µs after the handshake, no server payload",
	}
}

func TestLadderExplainsEachFlagWithItsHelp(t *testing.T) {
	rec := tcpRefuseRecord()
	rec.Flags = []classify.Flag{{Name: classify.FlagRSTForgedSuspected, Evidence: "the RST came with TTL 250, the server's packets with TTL 64"}}
	out := drawLadder(t, rec, nil)
	ladderContains(t, out,
		"  flags        rst_forged_suspected: the RST came with TTL 250, the server's packets with TTL 64",
		"                 the reset probably came from a middlebox",
		"681us after the handshake",
		"(no packet of this connection was found)",
	)
}

func TestLadderSpellsEveryNonASCIICharacterInASCII(t *testing.T) {
	rec := tcpRefuseRecord()
	rec.Verdict, rec.BannerCode, rec.Banner = classify.VerdictReject, 554, "caf\u00e9 \u2192 go away…"
	out := drawLadder(t, rec, []LadderPacket{{Time: ladderT0, Flags: "PSH/ACK", Content: "554 caf\u00e9\x1b[2J"}})
	ladderContains(t, out, `554 caf\xc3\xa9 -> go away...`, `554 caf\xc3\xa9\x1b[2J`)
}

func TestLadderShortensLongLabelsWithoutCuttingAnEscape(t *testing.T) {
	content := "554 " + strings.Repeat("a", 66) + `\x1b[31m and more text`
	out := drawLadder(t, tcpRefuseRecord(), []LadderPacket{
		{Time: ladderT0, Flags: "FIN/PSH/ACK", Content: content, Retransmission: true},
	})
	want := "<--- 554 " + strings.Repeat("a", 33)
	if !strings.Contains(out, want) || !strings.Contains(out, "... [FIN/PSH/ACK] (retransmission) --|") {
		t.Errorf("label not shortened to fit with its flags and retransmission mark:\n%s", out)
	}
	if strings.Contains(out, `\x1`+"...") || strings.Contains(out, `\x...`) {
		t.Errorf("an escape was cut in half:\n%s", out)
	}
}

func TestLadderDrawsTheEndsOfALongConnection(t *testing.T) {
	var pkts []LadderPacket
	for i := range 650 {
		pkts = append(pkts, LadderPacket{Time: ladderT0.Add(time.Duration(i) * time.Millisecond), FromClient: i%2 == 0,
			Flags: "PSH/ACK", Content: fmt.Sprintf("segment %d", i)})
	}
	out := drawLadder(t, tcpRefuseRecord(), pkts)
	for _, want := range []string{"segment 0 ", "segment 399 ", "150 packets not drawn", "segment 550 ", "segment 649 ", "+0.649000s"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing", want)
		}
	}
	if strings.Contains(out, "segment 400 ") || strings.Contains(out, "segment 549 ") {
		t.Errorf("the middle of a long ladder was drawn")
	}
}

func TestLadderPutsLongIPv6SidesOnTheirOwnLines(t *testing.T) {
	rec := tcpRefuseRecord()
	rec.Client = netip.MustParseAddr("2001:db8:1234:5678:9abc:def0:1234:5678")
	rec.Server = netip.MustParseAddr("2001:db8:ffff:eeee:dddd:cccc:bbbb:aaaa")
	out := drawLadder(t, rec, []LadderPacket{{Time: ladderT0, FromClient: true, Flags: "SYN"}})
	if !strings.Contains(out, "\n              [2001:db8:1234:5678:9abc:def0:1234:5678]:40506\n") ||
		!strings.Contains(out, "[2001:db8:ffff:eeee:dddd:cccc:bbbb:aaaa]:25\n") {
		t.Errorf("the sides are not one per line:\n%s", out)
	}
}

func TestLadderTellsWhatHappenedWithTLS(t *testing.T) {
	rec := tcpRefuseRecord()
	rec.Verdict, rec.Outcome = classify.VerdictAccept, classify.OutcomeTLSFailed
	rec.TLS = classify.TLS{Offered: true, Attempted: true, Answered: true, Result: "handshake_failed",
		Version: "TLSv1.2", Cipher: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Alert: "protocol_version", AlertFrom: "server"}
	out := drawLadder(t, rec, nil)
	want := "  tls          STARTTLS sent, result handshake_failed, TLSv1.2,\n" +
		"               TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, alert protocol_version from the server\n"
	if !strings.Contains(out, want) || !strings.HasPrefix(out, "connection 13: ACCEPT TLS_FAILED  (2026-11-22 09:50:38.085717 UTC)\n") {
		t.Errorf("want the header and\n%s\nin\n%s", want, out)
	}
}

func TestLadderColoursArrowsBySideAndResetsRed(t *testing.T) {
	var b bytes.Buffer
	pkts := []LadderPacket{
		{Time: ladderT0, FromClient: true, Flags: "SYN"},
		{Time: ladderT0, Flags: "SYN/ACK"},
		{Time: ladderT0, Flags: "RST/ACK"},
	}
	if err := WriteLadder(&b, &Ladder{Record: tcpRefuseRecord(), Packets: pkts}, LadderOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"|" + ansiClient + "---- SYN", "|" + ansiServer + "<--- SYN/ACK", "|" + ansiReset + "<--- RST/ACK", ansiBold + "connection 13"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("%q missing from %q", want, b.String())
		}
	}
}

// TestLadderFitsTheTerminalWidth: at 80 and 120 columns every line of a
// ladder fits, the arrows span the width given, and a long label is cut
// to the room there is.
func TestLadderFitsTheTerminalWidth(t *testing.T) {
	rec := tcpRefuseRecord()
	long := strings.Repeat("250-a rather long reply line ", 8)
	pkts := []LadderPacket{
		{Time: ladderT0, FromClient: true, Flags: "SYN"},
		{Time: ladderT0.Add(time.Millisecond), Flags: "PSH/ACK", Content: long},
	}
	for _, width := range []int{80, 120} {
		var b bytes.Buffer
		if err := WriteLadder(&b, &Ladder{Record: rec, Packets: pkts}, LadderOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		widest := 0
		for _, line := range strings.Split(b.String(), "\n") {
			if len(line) > width {
				t.Errorf("width %d: a line of %d columns: %q", width, len(line), line)
			}
			widest = max(widest, len(line))
		}
		if widest < width-2 {
			t.Errorf("width %d: the widest line is %d columns; the arrows should span the width", width, widest)
		}
	}
}
