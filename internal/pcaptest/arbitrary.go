package pcaptest

import (
	"net/netip"
	"time"
)

// ArbitraryClients and ArbitraryServers are the endpoints Arbitrary's
// segments travel between: clients that share an address or a port (so
// connection keys differ in one field), both address families, and servers
// on two SMTP ports and on one that is not. A client talks to the server
// of its own family.
var (
	ArbitraryClients = []Endpoint{
		{Addr: netip.MustParseAddr("198.51.100.7"), Port: 40000},
		{Addr: netip.MustParseAddr("198.51.100.7"), Port: 40001},
		{Addr: netip.MustParseAddr("198.51.100.8"), Port: 40000},
		{Addr: netip.MustParseAddr("2001:db8::7"), Port: 40000},
	}
	arbitraryServers4 = []Endpoint{
		{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25},
		{Addr: netip.MustParseAddr("192.0.2.25"), Port: 587},
		{Addr: netip.MustParseAddr("192.0.2.25"), Port: 8080},
	}
	arbitraryServers6 = []Endpoint{
		{Addr: netip.MustParseAddr("2001:db8::25"), Port: 25},
		{Addr: netip.MustParseAddr("2001:db8::25"), Port: 587},
		{Addr: netip.MustParseAddr("2001:db8::25"), Port: 8080},
	}
)

// The texts Arbitrary's payloads are cut from, one per direction, so that
// in-order segments read as an SMTP dialogue (a delivery, then a refusal).
const (
	arbitraryClientText = "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n" +
		"Subject: x\r\nContent-Type: text/plain; name=\"a.txt\"\r\n\r\nbody\r\n..stuffed\r\n.\r\nSTARTTLS\r\nQUIT\r\n"
	arbitraryServerText = "220 mx.example ESMTP\r\n250-mx.example\r\n250 PIPELINING\r\n250 2.1.0 Ok\r\n354 go\r\n" +
		"250 2.0.0 queued\r\n220 2.0.0 Ready to start TLS\r\n553 5.7.1 sender refused\r\n221 2.0.0 Bye\r\n"
)

// Arbitrary turns fuzz input into TCP segments, five bytes each: who sends
// to whom (byte 0), the flags (byte 1: SYN, ACK, FIN, RST, PSH from the
// low bit), how the sequence number relates to the sender's next one
// (byte 2: in order, a retransmission, ahead, a new ISN), the payload
// length (byte 3, up to 47 bytes, cut from an SMTP dialogue where the
// sender's text left off; 240 and above also set another TTL, as a forged
// RST has), and how long after the previous segment it comes (byte 4: a
// millisecond to past a 10-minute idle timeout, across a 1 s RST hold and
// a 30 s linger time). The first segment comes at start plus its delay; a
// trailing partial group is ignored. The same input always gives the same
// segments, whatever start is.
func Arbitrary(data []byte, start time.Time) []Segment {
	type pair struct{ c, s int }
	type sides struct {
		next [2]uint32 // next sequence number, client and server
		text [2]int    // where each side's text goes on
	}
	conns := map[pair]*sides{}
	var out []Segment
	at := start
	for ; len(data) >= 5; data = data[5:] {
		b0, b1, b2, b3, b4 := data[0], data[1], data[2], data[3], data[4]
		ci, si := int(b0&3), int(b0>>3&3)%3
		cl, srv := ArbitraryClients[ci], arbitraryServers4[si]
		if cl.Addr.Is6() {
			srv = arbitraryServers6[si]
		}
		dir := int(b0 >> 2 & 1)
		src, dst, text := cl, srv, arbitraryClientText
		if dir == 1 {
			src, dst, text = srv, cl, arbitraryServerText
		}
		p := pair{ci, si}
		s := conns[p]
		if s == nil {
			s = &sides{next: [2]uint32{1000 * uint32(ci+1), 90000 * uint32(si+1)}}
			conns[p] = s
		}
		var flags string
		for i, letter := range []string{"S", "A", "F", "R", "P"} {
			if b1&(1<<i) != 0 {
				flags += letter
			}
		}
		syn, fin := b1&1 != 0, b1&4 != 0
		size := int(b3) % 48
		from := s.text[dir] % len(text)
		payload := []byte((text + text)[from : from+size])
		seq := s.next[dir]
		switch b2 & 3 {
		case 1:
			seq -= uint32(size) + uint32(b2>>2)
		case 2:
			seq += uint32(b2>>2) * 8
		case 3:
			seq = uint32(b2) * 0x01000193
			s.next[dir] = seq
		}
		if syn && b2&3 == 0 {
			seq = s.next[dir] + 7777 // a new ISN for a new connection
			s.next[dir] = seq
		}
		adv := uint32(size)
		if syn || fin {
			adv++
		}
		if b2&3 != 1 && seq+adv-s.next[dir] < 1<<30 {
			s.next[dir] = seq + adv
			s.text[dir] = from + size
		}
		switch {
		case b4 < 200:
			at = at.Add(time.Duration(b4) * time.Millisecond)
		case b4 < 240:
			at = at.Add(time.Duration(b4-200) * 100 * time.Millisecond)
		case b4 < 255:
			at = at.Add(time.Duration(b4-240) * 5 * time.Second)
		default:
			at = at.Add(11 * time.Minute)
		}
		var ttl uint8
		if b3 >= 240 {
			ttl = 50
		}
		out = append(out, Segment{Time: at, Src: src, Dst: dst, Flags: flags,
			Seq: seq, Ack: s.next[1-dir], Payload: payload, TTL: ttl})
	}
	return out
}
