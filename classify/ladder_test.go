package classify

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/flow"
)

// runLadder drives a flow.Tracker with TCP segments written as a ladder,
// one step a string, and returns the decided records. Steps:
//
//	"C S"          client SYN           "S SA"   server SYN,ACK
//	"C A"          client pure ACK      "S RA"   server RST,ACK
//	"C FA" "S FA"  FIN,ACK              "C R"    client RST
//	"C >EHLO x"    client payload (a CRLF is appended)
//	"S >220 hi"    server payload (a CRLF is appended)
//	"S >>raw"      payload without CRLF appended; "\n" in it stands for CRLF
//	"S RA@64"      a flags step with the IP TTL its packet carries
//	"S !>>raw"     a segment sent but lost by the capture (a sequence hole)
//
// Sequence numbers follow TCP; each step is 1 ms after the previous. The
// client's packets carry TTL 64 and the server's TTL 63 (one router
// between them) unless a step says otherwise.
func runLadder(t *testing.T, port uint16, steps []string) []Record {
	t.Helper()
	var recs []Record
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts("25,465,587")},
		NewClassifier(func(r *Record) { recs = append(recs, *r) }))
	client := netip.MustParseAddrPort("198.51.100.7:40001")
	server := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.25"), port)
	seq := [2]uint32{1000, 5000}
	var synSent [2]bool
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, st := range steps {
		dir, rest, _ := strings.Cut(st, " ")
		d := 0
		src, dst := client, server
		if dir == "S" {
			d, src, dst = 1, server, client
		}
		seg := &flow.Segment{Src: src, Dst: dst, Time: at.Add(time.Duration(i) * time.Millisecond), Window: 64240, TTL: uint8(64 - d)}
		lost := strings.HasPrefix(rest, "!")
		rest = strings.TrimPrefix(rest, "!")
		if flags, ttl, ok := strings.Cut(rest, "@"); ok && !strings.HasPrefix(rest, ">") {
			n, err := strconv.Atoi(ttl)
			if err != nil {
				t.Fatalf("step %q: bad TTL", st)
			}
			rest, seg.TTL = flags, uint8(n)
		}
		switch {
		case strings.HasPrefix(rest, ">>"):
			seg.Payload = []byte(strings.ReplaceAll(rest[2:], "\n", "\r\n"))
			seg.Flags = flow.FlagACK | flow.FlagPSH
		case strings.HasPrefix(rest, ">"):
			seg.Payload = []byte(rest[1:] + "\r\n")
			seg.Flags = flow.FlagACK | flow.FlagPSH
		default:
			for _, c := range rest {
				switch c {
				case 'S':
					seg.Flags |= flow.FlagSYN
				case 'A':
					seg.Flags |= flow.FlagACK
				case 'F':
					seg.Flags |= flow.FlagFIN
				case 'R':
					seg.Flags |= flow.FlagRST
				}
			}
		}
		seg.Seq, seg.Ack = seq[d], seq[1-d]
		if seg.Flags&flow.FlagSYN != 0 && synSent[d] {
			seg.Seq-- // a retransmitted SYN carries the same ISN
		}
		seg.WireLen = len(seg.Payload)
		seq[d] += uint32(len(seg.Payload))
		if seg.Flags&flow.FlagFIN != 0 || (seg.Flags&flow.FlagSYN != 0 && !synSent[d]) {
			seq[d]++
		}
		if seg.Flags&flow.FlagSYN != 0 {
			synSent[d] = true
		}
		if lost {
			continue
		}
		tr.Segment(seg)
	}
	tr.Flush()
	return recs
}

var handshake = []string{"C S", "S SA", "C A"}

func ladder(parts ...[]string) []string {
	var all []string
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func TestVerdictLadders(t *testing.T) {
	tests := []struct {
		name     string
		port     uint16
		steps    []string
		verdict  Verdict
		outcome  Outcome
		closedBy string
		state    string
		history  string
	}{
		{"CiscoRejectThenServerFIN", 25, ladder(handshake, []string{"S >554 5.7.1 go away", "S FA", "C A", "C FA", "S A"}),
			VerdictReject, OutcomeNone, "server FIN", "SF", "ShAdfF"},
		{"PostfixRejectWaitsForQuit", 25, ladder(handshake, []string{"S >554 5.7.1 <c>: Client host rejected", "C >QUIT", "S >221 2.0.0 Bye", "S FA", "C FA"}),
			VerdictReject, OutcomeNone, "server FIN", "SF", "ShAdDfF"},
		{"PostscreenPregreetDrop", 25, ladder(handshake, []string{"C >EHLO early", "S >>220-mx.example ESMTP\n521 5.5.1 Protocol error\n", "S FA", "C FA"}),
			VerdictReject, OutcomeNone, "server FIN", "SF", ""},
		{"TempfailGreeting", 25, ladder(handshake, []string{"S >421 4.3.2 try later", "S FA", "C FA"}),
			VerdictTempfail, OutcomeNone, "server FIN", "SF", ""},
		{"TCPRefuseAfterHandshake", 25, ladder(handshake, []string{"S RA"}),
			VerdictTCPRefuse, OutcomeNone, "server RST", "RSTR", "ShAr"},
		{"SilentCloseAfterHandshake", 25, ladder(handshake, []string{"S FA", "C FA"}),
			VerdictSilentClose, OutcomeNone, "server FIN", "SF", "ShAfF"},
		{"PortClosed", 25, []string{"C S", "S RA"},
			VerdictPortClosed, OutcomeNone, "server RST", "REJ", "Sr"},
		{"NoAnswerWithSYNRetries", 25, []string{"C S", "C S", "C S"},
			VerdictNoAnswer, OutcomeNone, "", "S0", "S"},
		{"ClientAbandonsBeforeBanner", 25, ladder(handshake, []string{"C FA", "S FA"}),
			VerdictAbandoned, OutcomeNone, "client FIN", "SF", ""},
		{"ClientFINThenLateGreeting", 25, ladder(handshake, []string{"C FA", "S >220 mx ESMTP", "C R"}),
			VerdictAbandoned, OutcomeNone, "client FIN", "RSTO", "ShAFdR"},
		{"ClientResetBeforeBanner", 25, ladder(handshake, []string{"C R"}),
			VerdictAbandoned, OutcomeNone, "client RST", "RSTO", ""},
		{"NotSMTP", 25, ladder(handshake, []string{"S >SSH-2.0-OpenSSH_9.2", "S FA", "C FA"}),
			VerdictNotSMTP, OutcomeNone, "server FIN", "SF", ""},
		{"InputEndsBeforeBanner", 25, handshake,
			VerdictIncomplete, OutcomeNone, "", "S1", "ShA"},
		{"MidSessionCapture", 25, []string{"C >RCPT TO:<x@y>", "S >250 ok", "C >QUIT", "S >221 bye"},
			VerdictIncomplete, OutcomeNone, "", "OTH", ""},
		{"AcceptDelivered", 25, ladder(handshake, []string{
			"S >220 mx ESMTP", "C >EHLO c", "S >>250-mx\n250-PIPELINING\n250 STARTTLS\n",
			"C >>MAIL FROM:<a@b>\nRCPT TO:<c@d>\nDATA\n", "S >>250 2.1.0 ok\n250 2.1.5 ok\n354 go\n",
			"C >>Subject: hi\n\nbody\n.\n", "S >250 2.0.0 queued", "C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeDelivered, "server FIN", "SF", ""},
		{"SenderRejected553", 25, ladder(handshake, []string{
			"S >220 mx", "C >HELO c", "S >250 mx", "C >MAIL FROM:<u@nx.example>",
			"S >553 #5.1.8 Domain of sender address <u@nx.example> does not exist", "C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeSenderRejected, "server FIN", "SF", ""},
		{"SenderRejectedAtRCPTByText", 25, ladder(handshake, []string{
			"S >220 mx", "C >HELO c", "S >250 mx", "C >MAIL FROM:<u@x>", "S >250 ok", "C >RCPT TO:<v@y>",
			"S >554 5.7.1 <u@x>: Sender address rejected: Access denied", "C >QUIT", "S >221 bye", "C FA", "S FA"}),
			VerdictAccept, OutcomeSenderRejected, "client FIN", "SF", ""},
		{"AllRecipientsRejected", 25, ladder(handshake, []string{
			"S >220 mx", "C >HELO c", "S >250 mx", "C >MAIL FROM:<u@x>", "S >250 ok",
			"C >RCPT TO:<a@y>", "S >550 5.1.1 unknown", "C >RCPT TO:<b@y>", "S >550 5.1.1 unknown",
			"C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeRecipientRejected, "server FIN", "SF", ""},
		{"DataRejected", 25, ladder(handshake, []string{
			"S >220 mx", "C >HELO c", "S >250 mx", "C >MAIL FROM:<u@x>", "S >250 ok",
			"C >RCPT TO:<a@y>", "S >250 ok", "C >DATA", "S >354 go", "C >>x\n.\n", "S >550 5.7.1 spam",
			"C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeDataRejected, "server FIN", "SF", ""},
		{"DeferredRCPT", 25, ladder(handshake, []string{
			"S >220 mx", "C >HELO c", "S >250 mx", "C >MAIL FROM:<u@x>", "S >250 ok",
			"C >RCPT TO:<a@y>", "S >450 4.2.0 greylisted", "C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeDeferred, "server FIN", "SF", ""},
		{"StartTLSThenHandshake", 25, ladder(handshake, []string{
			"S >220 mx", "C >EHLO c", "S >>250-mx\n250 STARTTLS\n", "C >STARTTLS", "S >220 2.0.0 Ready",
			"C >>\x16\x03\x01\x00\x05hello", "S >>\x16\x03\x03\x00\x05hello", "C FA", "S FA"}),
			VerdictAccept, OutcomeTLS, "client FIN", "SF", ""},
		{"StartTLSRefused", 25, ladder(handshake, []string{
			"S >220 mx", "C >EHLO c", "S >250 mx", "C >STARTTLS", "S >454 4.7.0 TLS not available",
			"C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeTLSFailed, "server FIN", "SF", ""},
		{"TLSRequired", 25, ladder(handshake, []string{
			"S >220 mx", "C >EHLO c", "S >250 mx", "C >MAIL FROM:<a@b>",
			"S >530 5.7.0 Must issue a STARTTLS command first", "C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeTLSRequired, "server FIN", "SF", ""},
		{"ResetMidSession", 25, ladder(handshake, []string{"S >220 mx", "C >EHLO c", "S >250 mx", "S RA"}),
			VerdictAccept, OutcomeReset, "server RST", "RSTR", ""},
		{"QuitWithoutTransaction", 25, ladder(handshake, []string{"S >220 mx", "C >EHLO c", "S >250 mx", "C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeQuit, "server FIN", "SF", ""},
		{"InputEndsMidSession", 25, ladder(handshake, []string{"S >220 mx", "C >EHLO c"}),
			VerdictAccept, OutcomeIncomplete, "", "S1", ""},
		{"BDATLastDelivered", 25, ladder(handshake, []string{
			"S >220 mx", "C >EHLO c", "S >>250-mx\n250 CHUNKING\n", "C >>MAIL FROM:<a@b>\nRCPT TO:<c@d>\n",
			"S >>250 ok\n250 ok\n", "C >>BDAT 10 LAST\nDATA\n.\nxy", "S >250 2.0.0 queued", "C >QUIT", "S >221 bye", "S FA", "C FA"}),
			VerdictAccept, OutcomeDelivered, "server FIN", "SF", ""},
		{"ImplicitTLS465", 465, ladder(handshake, []string{
			"C >>\x16\x03\x01\x00\x05hello", "S >>\x16\x03\x03\x00\x05hello", "C FA", "S FA"}),
			VerdictAccept, OutcomeTLS, "client FIN", "SF", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs := runLadder(t, tc.port, tc.steps)
			if len(recs) != 1 {
				t.Fatalf("got %d records, want 1", len(recs))
			}
			r := recs[0]
			if r.Verdict != tc.verdict || r.Outcome != tc.outcome {
				t.Errorf("verdict %s/%s, want %s/%s (reason: %s)", r.Verdict, r.Outcome, tc.verdict, tc.outcome, r.Explanation)
			}
			if r.ClosedBy != tc.closedBy {
				t.Errorf("closed_by %q, want %q", r.ClosedBy, tc.closedBy)
			}
			if r.ConnState != tc.state {
				t.Errorf("conn_state %q, want %q (history %s)", r.ConnState, tc.state, r.History)
			}
			if tc.history != "" && r.History != tc.history {
				t.Errorf("history %q, want %q", r.History, tc.history)
			}
		})
	}
}

func TestRejectReasonTellsWhoEndedTheSession(t *testing.T) {
	cisco := runLadder(t, 25, ladder(handshake, []string{"S >554 5.7.1 go away", "S FA", "C A", "C FA"}))
	postfix := runLadder(t, 25, ladder(handshake, []string{"S >554 5.7.1 rejected", "C >QUIT", "S >221 Bye", "S FA", "C FA"}))
	closed := runLadder(t, 25, []string{"C S", "S RA"})
	for _, tc := range []struct {
		rec  Record
		want string
	}{
		{cisco[0], "greeting 554 in 1ms, then the server closed the connection"},
		{postfix[0], "greeting 554 in 1ms, the server waited for the client's QUIT"},
		{closed[0], "SYN answered by RST in 1ms"},
	} {
		if tc.rec.Explanation != tc.want {
			t.Errorf("reason %q, want %q", tc.rec.Explanation, tc.want)
		}
	}
}

// TestLostSegmentInsideAReplyIsNotReadAcrossTheHole: the capture lost the
// middle of a multi-line EHLO reply, so the next segment starts inside a
// line. Nothing is parsed across the hole: no stray line, no malformed
// reply, the next replies pair with their commands, and the record counts
// the bytes it lacks.
func TestLostSegmentInsideAReplyIsNotReadAcrossTheHole(t *testing.T) {
	recs := runLadder(t, 25, ladder(handshake, []string{
		"S >220 mx ESMTP", "C >EHLO c",
		"S >>250-mx\n250-PIPE", "S !>>LINING\n250-SIZE 1000", "S >>0000\n250 8BITMIME\n",
		"C >MAIL FROM:<a@b>", "S >250 2.1.0 Ok", "C >QUIT", "S >221 Bye", "S FA", "C FA",
	}))
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Verdict != VerdictAccept || r.Outcome != OutcomeQuit {
		t.Errorf("got %s %s, want ACCEPT QUIT", r.Verdict, r.Outcome)
	}
	var names []string
	for _, f := range r.Flags {
		names = append(names, string(f.Name))
	}
	if strings.Join(names, ",") != string(FlagMissedBytes) || r.MissedBytes != uint64(len("LINING\r\n250-SIZE 1000")) {
		t.Errorf("flags %v, missed %d: want only missed_bytes, %d bytes", r.Flags, r.MissedBytes, len("LINING\r\n250-SIZE 1000"))
	}
	want := []string{"", "EHLO c", "MAIL FROM:<a@b>", "QUIT"}
	if len(r.Replies) != len(want) {
		t.Fatalf("replies %+v, want %d", r.Replies, len(want))
	}
	for i, w := range want {
		if r.Replies[i].Command != w {
			t.Errorf("reply %d (%d %q) answers %q, want %q", i, r.Replies[i].Code, r.Replies[i].Text, r.Replies[i].Command, w)
		}
	}
}
