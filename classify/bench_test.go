package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/flow"
)

// dialogue returns the data events of one delivery with a 20 KB body in
// MSS-sized segments: greeting, EHLO and its 8-line reply, MAIL, RCPT,
// DATA, the body, the final dot, QUIT.
func dialogue() []flow.Event {
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	var evs []flow.Event
	add := func(d flow.Direction, s string) {
		at = at.Add(100 * time.Microsecond)
		evs = append(evs, flow.Event{Kind: flow.EventData, Dir: d, Time: at, Payload: []byte(s), TTL: 64})
	}
	c, s := flow.ClientToServer, flow.ServerToClient
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
	for len(body) > 0 {
		n := min(1448, len(body))
		add(c, body[:n])
		body = body[n:]
	}
	add(s, "250 2.0.0 Ok: queued as 4Xk2\r\n")
	add(c, "QUIT\r\n")
	add(s, "221 2.0.0 Bye\r\n")
	return evs
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
	s := (&Classifier{}).NewSession()
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for i := range evs {
			s.Event(&evs[i])
		}
		s.Reset()
	}
}
