package classify

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/flow"
)

// dialogue returns the data events of one delivery with a 20 KB body in
// MSS-sized segments: greeting, EHLO and its 8-line reply, MAIL, RCPT,
// DATA, the body, the final dot, QUIT.
func dialogue() []flow.Event {
	var d events
	c, s := flow.ClientToServer, flow.ServerToClient
	add := d.add
	add(s, "220 mx.example.net ESMTP Postfix\r\n")
	add(c, "EHLO client.example.org\r\n")
	add(s, "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
	add(c, "MAIL FROM:<alice@example.org> SIZE=20480\r\n")
	add(s, "250 2.1.0 Ok\r\n")
	add(c, "RCPT TO:<bob@example.net>\r\n")
	add(s, "250 2.1.5 Ok\r\n")
	add(c, "DATA\r\n")
	add(s, "354 End data with <CR><LF>.<CR><LF>\r\n")
	body := "Subject: report\r\nFrom: <alice@example.org>\r\n\r\n" +
		strings.Repeat("TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuTWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu\r\n", 270) + ".\r\n"
	d.body(body)
	add(s, "250 2.0.0 Ok: queued as 4Xk2\r\n")
	add(c, "QUIT\r\n")
	add(s, "221 2.0.0 Bye\r\n")
	return d.evs
}

// events builds the events of a dialogue, 100 µs apart.
type events struct {
	at  time.Time
	evs []flow.Event
}

func (d *events) add(dir flow.Direction, s string) {
	if d.at.IsZero() {
		d.at = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	}
	d.at = d.at.Add(100 * time.Microsecond)
	d.evs = append(d.evs, flow.Event{Kind: flow.EventData, Dir: dir, Time: d.at, Payload: []byte(s), TTL: 64})
}

// body adds a client's DATA body in MSS-sized segments.
func (d *events) body(b string) {
	for len(b) > 0 {
		n := min(1448, len(b))
		d.add(flow.ClientToServer, b[:n])
		b = b[n:]
	}
}

// BenchmarkSMTPDialogue measures SMTP parsing: the command and reply
// lines of a delivery and the scan of its body, through a Session reset
// between runs as esaflow analyze reuses them.
func BenchmarkSMTPDialogue(b *testing.B) {
	evs := dialogue()
	var n int
	for _, e := range evs {
		n += len(e.Payload)
	}
	s := (&Classifier{}).NewMachine()
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for i := range evs {
			s.Event(&evs[i])
		}
		s.Reset()
	}
}

// BenchmarkConnection measures the whole classification of one short
// delivery, as in the generated benchmark capture: the dialogue with a
// 4 KB body, the verdict and explanation at Close, and the Reset that
// readies the session for the next connection.
func BenchmarkConnection(b *testing.B) {
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	c, s := flow.ClientToServer, flow.ServerToClient
	d := events{at: at.Add(40 * time.Microsecond), evs: []flow.Event{{Kind: flow.EventSYN, Dir: c, Time: at},
		{Kind: flow.EventSYNACK, Dir: s, Time: at.Add(20 * time.Microsecond)},
		{Kind: flow.EventEstablished, Dir: c, Time: at.Add(40 * time.Microsecond)}}}
	add := d.add
	add(s, "220 mx.example ESMTP\r\n")
	add(c, "EHLO client.example\r\n")
	add(s, "250-mx.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
	add(c, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
	add(s, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
	d.body(strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n", 55) + ".\r\n")
	add(s, "250 2.0.0 Ok: queued as 4XyZ\r\n")
	add(c, "QUIT\r\n")
	add(s, "221 2.0.0 Bye\r\n")
	evs := d.evs
	info := handshakeInfo(b, at)
	sess := (&Classifier{}).NewMachine()
	b.ReportAllocs()
	for b.Loop() {
		for i := range evs {
			sess.Event(&evs[i])
		}
		if r := sess.Close(&info, flow.CloseTeardown); r.Verdict != VerdictAccept {
			b.Fatalf("verdict %v, want ACCEPT", r.Verdict)
		}
		sess.Reset()
	}
}

// infoStream keeps the snapshot of the connection it is closed with.
type infoStream struct{ info *flow.ConnInfo }

func (s infoStream) Event(*flow.Conn, *flow.Event) {}
func (s infoStream) Close(c *flow.Conn, _ flow.CloseReason) {
	*s.info = c.Info()
}

func (s infoStream) New(*flow.Conn) flow.Stream { return s }

// handshakeInfo returns the snapshot of a connection that had its
// handshake at t and was closed by FINs from both sides, as the tracker
// makes it.
func handshakeInfo(b *testing.B, t time.Time) flow.ConnInfo {
	var info flow.ConnInfo
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts("25")}, infoStream{&info})
	cl, srv := netip.MustParseAddrPort("198.51.100.7:40000"), netip.MustParseAddrPort("192.0.2.25:25")
	for i, s := range []flow.Segment{
		{Src: cl, Dst: srv, Seq: 100, Flags: flow.FlagSYN},
		{Src: srv, Dst: cl, Seq: 500, Ack: 101, Flags: flow.FlagSYN | flow.FlagACK},
		{Src: cl, Dst: srv, Seq: 101, Ack: 501, Flags: flow.FlagACK},
		{Src: srv, Dst: cl, Seq: 501, Ack: 101, Flags: flow.FlagFIN | flow.FlagACK},
		{Src: cl, Dst: srv, Seq: 101, Ack: 502, Flags: flow.FlagFIN | flow.FlagACK},
		{Src: srv, Dst: cl, Seq: 502, Ack: 102, Flags: flow.FlagACK},
	} {
		s.Time = t.Add(time.Duration(i) * 20 * time.Microsecond)
		tr.Segment(&s)
	}
	tr.Flush()
	if !info.SawSYN() {
		b.Fatal("the tracker closed no connection")
	}
	return info
}
