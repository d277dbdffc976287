package pcaptest

import (
	"net/netip"
	"strings"
	"time"
)

// Busy interleaves n sessions of every kind (deliveries with
// multi-segment bodies, refusals, resets, sessions cut by the end of the
// capture), so that classification batches fill and workers overlap.
func Busy(t0 time.Time, n int) []byte {
	b := NewBuilder(Ethernet)
	srv := Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	at := t0
	tick := func() time.Time { at = at.Add(37 * time.Microsecond); return at }
	body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n", 60)
	for start := 0; start < n; start += 24 {
		var convs []*Conv
		for i := start; i < start+24 && i < n; i++ {
			cl := Endpoint{Addr: netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}), Port: uint16(20000 + i)}
			convs = append(convs, b.Conv(cl, srv, uint32(i)*7919, uint32(i)*104729))
		}
		for _, c := range convs {
			c.SYN(tick())
		}
		for _, c := range convs {
			c.SYNACK(tick())
			c.ACK(tick())
		}
		for k, c := range convs {
			switch (start + k) % 6 {
			case 0:
				c.ServerRST(tick())
			case 1:
				c.Server(tick(), "554 5.7.1 Access denied\r\n")
				c.ServerFIN(tick())
				c.ClientFIN(tick())
			default:
				c.Server(tick(), "220 mx.example ESMTP\r\n")
			}
		}
		for k, c := range convs {
			if m := (start + k) % 6; m < 2 || m == 5 && start+24 >= n {
				continue // decided, or left open for the end of the capture
			}
			c.Client(tick(), "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
			c.Server(tick(), "250 mx\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n")
			for rest := body + ".\r\n"; rest != ""; {
				k := min(1448, len(rest))
				c.Client(tick(), rest[:k])
				rest = rest[k:]
			}
			c.Server(tick(), "250 2.0.0 queued\r\n")
			c.Client(tick(), "QUIT\r\n")
			c.Server(tick(), "221 Bye\r\n")
			c.ServerFIN(tick())
			c.ClientFIN(tick())
		}
	}
	return b.Bytes(Pcap)
}
