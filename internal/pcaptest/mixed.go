package pcaptest

import (
	"net/netip"
	"time"
)

// Mixed returns a capture of three SMTP connections to 192.0.2.25:25
// starting at t0: an ACCEPT that ends with QUIT, a REJECT whose 554
// greeting carries a terminal escape sequence, and a TCPREFUSE (RST after
// the handshake).
func Mixed(t0 time.Time) *Builder {
	b := NewBuilder(Ethernet)
	srv := Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

	c := b.Conv(Endpoint{Addr: netip.MustParseAddr("198.51.100.10"), Port: 40000}, srv, 100, 900)
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.ACK(ms(2))
	c.Server(ms(3), "220 mx.example ESMTP\r\n")
	c.Client(ms(4), "QUIT\r\n")
	c.Server(ms(5), "221 bye\r\n")
	c.ServerFIN(ms(6))
	c.ClientFIN(ms(7))

	r := b.Conv(Endpoint{Addr: netip.MustParseAddr("203.0.113.7"), Port: 40001}, srv, 200, 800)
	r.SYN(ms(10))
	r.SYNACK(ms(11))
	r.ACK(ms(12))
	r.Server(ms(13), "554 5.7.1 no \x1b[31mred\r\n")
	r.ServerFIN(ms(14))
	r.ClientFIN(ms(15))

	f := b.Conv(Endpoint{Addr: netip.MustParseAddr("203.0.113.8"), Port: 40002}, srv, 300, 700)
	f.SYN(ms(20))
	f.SYNACK(ms(21))
	f.ACK(ms(22))
	f.ServerRST(ms(23))
	return b
}
