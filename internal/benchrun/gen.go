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

// generate writes a deterministic SMTP capture of about size bytes to w:
// batches of 32 interleaved sessions from distinct clients (a quarter of
// them IPv6), mixing deliveries with 4-12 KB bodies, STARTTLS, 554 and
// 421 greetings, TCPREFUSE and closed ports. It returns the number of
// sessions written.
func generate(w io.Writer, size int64) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	pw := pcapgo.NewWriter(bw)
	if err := pw.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		return 0, err
	}
	server4 := pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	server6 := pcaptest.Endpoint{Addr: netip.MustParseAddr("2001:db8::25"), Port: 25}
	line := "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n"
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time { at = at.Add(7 * time.Microsecond); return at }
	var written int64 = 24
	sessions := 0
	for written < size {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		type sess struct {
			c    *pcaptest.Conv
			kind int
			body string
		}
		var batch []sess
		for i := 0; i < 32; i++ {
			n := sessions + i
			cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{198, 51, byte(n >> 8), byte(n)}), Port: uint16(20000 + n%40000)}
			srv := server4
			if n%4 == 3 {
				a := netip.MustParseAddr("2001:db8:1::").As16()
				a[14], a[15] = byte(n>>8), byte(n)
				cl.Addr, srv = netip.AddrFrom16(a), server6
			}
			batch = append(batch, sess{
				c:    b.Conv(cl, srv, uint32(n)*2654435761, uint32(n)*40503),
				kind: n % 20,
				body: strings.Repeat(line, 50+(n*37)%110),
			})
		}
		sessions += len(batch)
		for step := 0; step < 14; step++ {
			for _, s := range batch {
				sessionStep(s.c, s.kind, step, s.body, tick)
			}
		}
		for _, p := range b.Packets {
			ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: len(p.Data)}
			if err := pw.WritePacket(ci, p.Data); err != nil {
				return sessions, err
			}
			written += int64(16 + len(p.Data))
		}
	}
	if err := bw.Flush(); err != nil {
		return sessions, err
	}
	return sessions, nil
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
		for rest := body + ".\r\n"; rest != ""; {
			k := min(1448, len(rest))
			c.Client(tick(), rest[:k])
			rest = rest[k:]
		}
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
		switch k := i % 20; {
		case k < 14:
			m["ACCEPT/DELIVERED"]++
		case k < 16:
			m["ACCEPT/TLS"]++
		case k == 16:
			m["REJECT"]++
		case k == 17:
			m["TEMPFAIL"]++
		case k == 18:
			m["TCPREFUSE"]++
		default:
			m["PORT_CLOSED"]++
		}
	}
	return m
}

func label(verdict, outcome string) string {
	if outcome == "" {
		return verdict
	}
	return fmt.Sprintf("%s/%s", verdict, outcome)
}
