package main

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/esaflow/esaflow/internal/pcaptest"
)

// packetWriter writes a Builder's frames to a pcap file as they are
// made, so that generating a large capture needs little memory.
type packetWriter struct {
	bw      *bufio.Writer
	pw      *pcapgo.Writer
	written int64 // bytes of the file so far
}

func newPacketWriter(w io.Writer) (*packetWriter, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	return &packetWriter{bw: bw, pw: pw, written: 24}, nil
}

// drain writes the frames b holds and empties it.
func (w *packetWriter) drain(b *pcaptest.Builder) error {
	for _, p := range b.Packets {
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: len(p.Data)}
		if err := w.pw.WritePacket(ci, p.Data); err != nil {
			return err
		}
		w.written += int64(16 + len(p.Data))
	}
	b.Packets = b.Packets[:0]
	return nil
}

func (w *packetWriter) flush() error { return w.bw.Flush() }

// clock returns the generators' packet clock: 7 µs per packet from the
// start of 2026.
func clock() func() time.Time {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { at = at.Add(7 * time.Microsecond); return at }
}

// genVersion names the generated captures cached in testdata/bench: it
// changes whenever the generator writes different packets, so that a
// capture made by an older generator is not measured as a new one.
// Version 2 added message headers, attachments, and retransmitted and
// reordered segments.
const genVersion = 2

// sess is one generated session: its conversation and kind (see
// sessionStep).
type sess struct {
	c    *pcaptest.Conv
	kind int
	body string
}

// sessionClient returns the client of session n and the server it talks
// to: distinct clients, a quarter of them IPv6.
func sessionClient(n int) (client, server pcaptest.Endpoint) {
	cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{198, 51, byte(n >> 8), byte(n)}), Port: uint16(20000 + n%40000)}
	if n%4 == 3 {
		a := netip.MustParseAddr("2001:db8:1::").As16()
		a[14], a[15] = byte(n>>8), byte(n)
		return pcaptest.Endpoint{Addr: netip.AddrFrom16(a), Port: cl.Port},
			pcaptest.Endpoint{Addr: netip.MustParseAddr("2001:db8::25"), Port: 25}
	}
	return cl, pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
}

// newSess starts session n on b with a message of about lines lines.
func newSess(b *pcaptest.Builder, n, lines int) sess {
	cl, srv := sessionClient(n)
	return sess{c: b.Conv(cl, srv, uint32(n)*2654435761, uint32(n)*40503), kind: n % 20, body: message(n, lines)}
}

// Lines of the generated messages' text and attachments.
const (
	textLine   = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n"
	base64Line = "JVBERi0xLjcKJeLjz9MKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyAvUGFnZXMgMiAwIFIgPj4K\r\n"
)

// message returns session n's message as its client sends it after DATA,
// dot-stuffed, up to the final dot line: a header section, then lines
// lines of text, one of them stuffed; every third message is a MIME
// multipart one whose text is a quarter of its lines and the rest a
// base64 PDF attachment.
func message(n, lines int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Alice <a@example.org>\r\nTo: <b@example.net>\r\nSubject: Report %d\r\n"+
		"Date: Thu, 01 Jan 2026 00:00:00 +0000\r\nMessage-ID: <%d.%d@client.example>\r\nMIME-Version: 1.0\r\n", n, n, lines)
	text := lines
	if n%3 == 0 {
		text = lines / 4
		b.WriteString("Content-Type: multipart/mixed; boundary=\"=_part\"\r\n\r\n" +
			"This is a multi-part message in MIME format.\r\n\r\n--=_part\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	} else {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
	}
	for i := range text {
		if i == text/2 {
			b.WriteString("..a line that began with a dot, stuffed by the client\r\n")
			continue
		}
		b.WriteString(textLine)
	}
	if n%3 == 0 {
		b.WriteString("\r\n--=_part\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n" +
			"Content-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		for range lines - text {
			b.WriteString(base64Line)
		}
		b.WriteString("\r\n--=_part--\r\n")
	}
	return b.String()
}

// sendBody sends a message and its final dot in MSS-sized segments.
// Deliveries of kind 3 retransmit their first segment after the second;
// those of kind 7 send their last two segments swapped, the final dot
// ahead of the bytes before it.
func sendBody(c *pcaptest.Conv, kind int, body string, tick func() time.Time) {
	var segs []string
	for rest := body + ".\r\n"; rest != ""; {
		k := min(1448, len(rest))
		segs = append(segs, rest[:k])
		rest = rest[k:]
	}
	if len(segs) < 2 || (kind != 3 && kind != 7) {
		for _, s := range segs {
			c.Client(tick(), s)
		}
		return
	}
	if kind == 3 {
		first := c.ClientRel()
		c.Client(tick(), segs[0])
		c.Client(tick(), segs[1])
		c.ClientAt(tick(), first, segs[0])
		for _, s := range segs[2:] {
			c.Client(tick(), s)
		}
		return
	}
	k := len(segs) - 2
	for _, s := range segs[:k] {
		c.Client(tick(), s)
	}
	at := c.ClientRel()
	c.ClientAt(tick(), at+uint32(len(segs[k])), segs[k+1])
	c.ClientAt(tick(), at, segs[k])
	c.SkipClient(uint32(len(segs[k]) + len(segs[k+1])))
}

// writeInterleaved writes every step of the sessions of batch in turn
// (step 0 of each, then step 1 of each, ...), draining b after each step.
func writeInterleaved(w *packetWriter, b *pcaptest.Builder, batch []sess, tick func() time.Time) error {
	for step := 0; step < 14; step++ {
		for _, s := range batch {
			sessionStep(s.c, s.kind, step, s.body, tick)
		}
		if err := w.drain(b); err != nil {
			return err
		}
	}
	return nil
}

// generate writes a deterministic SMTP capture of about size bytes to w:
// batches of 32 interleaved sessions from distinct clients (a quarter of
// them IPv6), mixing deliveries of 4-12 KB messages (headers, text, a
// third of them with a base64 attachment; some with a retransmitted or
// reordered segment), STARTTLS, 554 and 421 greetings, TCPREFUSE and
// closed ports. It returns the number of
// sessions written.
func generate(w io.Writer, size int64) (int, error) {
	pw, err := newPacketWriter(w)
	if err != nil {
		return 0, err
	}
	tick := clock()
	sessions := 0
	for pw.written < size {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		var batch []sess
		for i := 0; i < 32; i++ {
			n := sessions + i
			batch = append(batch, newSess(b, n, 50+(n*37)%110))
		}
		sessions += len(batch)
		if err := writeInterleaved(pw, b, batch, tick); err != nil {
			return sessions, err
		}
	}
	return sessions, pw.flush()
}

// generateConcurrent writes n sessions of the same mix as generate (with
// 1-4 line messages) that are all open at once: every SYN first, then every
// SYN,ACK, and so on step by step to the teardowns.
func generateConcurrent(w io.Writer, n int) error {
	pw, err := newPacketWriter(w)
	if err != nil {
		return err
	}
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	batch := make([]sess, n)
	for i := range batch {
		batch[i] = newSess(b, i, 1+i%4)
	}
	if err := writeInterleaved(pw, b, batch, clock()); err != nil {
		return err
	}
	return pw.flush()
}

// generateSYNFlood writes n SYNs to 192.0.2.25:25 from n distinct
// sources (10.0.0.0/8 addresses), none answered.
func generateSYNFlood(w io.Writer, n int) error {
	pw, err := newPacketWriter(w)
	if err != nil {
		return err
	}
	srv := pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	tick := clock()
	var b *pcaptest.Builder
	for i := 0; i < n; i++ {
		if i%4096 == 0 {
			// A fresh Builder now and then: it remembers an IP ID per address.
			b = pcaptest.NewBuilder(pcaptest.Ethernet)
		}
		cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), Port: uint16(1024 + i%60000)}
		b.Conv(cl, srv, uint32(i)*2654435761, 0).SYN(tick())
		if err := pw.drain(b); err != nil {
			return err
		}
	}
	return pw.flush()
}

// sessionStep emits step number step of a session of the given kind:
// 0-13 delivery, 14-15 STARTTLS, 16 554 greeting, 17 421 greeting,
// 18 TCPREFUSE, 19 closed port.
func sessionStep(c *pcaptest.Conv, kind, step int, body string, tick func() time.Time) {
	if kind == 19 {
		switch step {
		case 0:
			c.SYN(tick())
		case 1:
			c.ServerRSTToSYN(tick())
		}
		return
	}
	switch step {
	case 0:
		c.SYN(tick())
		return
	case 1:
		c.SYNACK(tick())
		return
	case 2:
		c.ACK(tick())
		return
	}
	switch kind {
	case 16, 17:
		switch step {
		case 3:
			code := "554 5.7.1 Access denied"
			if kind == 17 {
				code = "421 4.3.2 Try again later"
			}
			c.Server(tick(), code+"\r\n")
		case 4:
			c.ServerFIN(tick())
		case 5:
			c.ClientFIN(tick())
		}
		return
	case 18:
		if step == 3 {
			c.ServerRST(tick())
		}
		return
	}
	switch step {
	case 3:
		c.Server(tick(), "220 mx.example ESMTP\r\n")
	case 4:
		c.Client(tick(), "EHLO client.example\r\n")
	case 5:
		c.Server(tick(), "250-mx.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
	case 6:
		if kind >= 14 {
			c.Client(tick(), "STARTTLS\r\n")
			return
		}
		c.Client(tick(), "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
	case 7:
		if kind >= 14 {
			c.Server(tick(), "220 2.0.0 Ready to start TLS\r\n")
			return
		}
		c.Server(tick(), "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
	case 8:
		if kind >= 14 {
			c.Client(tick(), "\x16\x03\x01\x02\x00"+strings.Repeat("\x00", 512))
			return
		}
		sendBody(c, kind, body, tick)
	case 9:
		if kind >= 14 {
			c.Server(tick(), "\x16\x03\x03\x00\x7a"+strings.Repeat("\x00", 122))
			return
		}
		c.Server(tick(), "250 2.0.0 Ok: queued as 4XyZ\r\n")
	case 10:
		if kind < 14 {
			c.Client(tick(), "QUIT\r\n")
		}
	case 11:
		if kind < 14 {
			c.Server(tick(), "221 2.0.0 Bye\r\n")
		}
	case 12:
		c.ServerFIN(tick())
	case 13:
		c.ClientFIN(tick())
	}
}

// expectedCounts is the verdict/outcome mix generate produces for n sessions.
func expectedCounts(n int) map[string]int {
	m := map[string]int{}
	for i := 0; i < n; i++ {
		m[expectedLabel(i)]++
	}
	return m
}

// expectedLabel is the verdict (and outcome) session n is generated for.
func expectedLabel(n int) string {
	switch k := n % 20; {
	case k < 14:
		return "ACCEPT/DELIVERED"
	case k < 16:
		return "ACCEPT/TLS"
	case k == 16:
		return "REJECT"
	case k == 17:
		return "TEMPFAIL"
	case k == 18:
		return "TCPREFUSE"
	}
	return "PORT_CLOSED"
}

func label(verdict, outcome string) string {
	if outcome == "" {
		return verdict
	}
	return fmt.Sprintf("%s/%s", verdict, outcome)
}
