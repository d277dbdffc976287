package flow_test

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
)

// ipv6Header is a fixed IPv6 header from 2001:db8::7 to 2001:db8::25;
// chain fills in its Payload Length and Next Header.
func ipv6Header() []byte {
	src, dst := netip.MustParseAddr("2001:db8::7").As16(), netip.MustParseAddr("2001:db8::25").As16()
	ip := make([]byte, 40)
	ip[0] = 6 << 4
	ip[7] = 64
	copy(ip[8:24], src[:])
	copy(ip[24:40], dst[:])
	return ip
}

// tcpHeader is a 20-byte TCP header from port 40001 to 25 with payload.
func tcpHeader(flags uint8, payload string) []byte {
	h := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(h[0:2], 40001)
	binary.BigEndian.PutUint16(h[2:4], 25)
	binary.BigEndian.PutUint32(h[4:8], 1000)
	binary.BigEndian.PutUint32(h[8:12], 2000)
	h[12] = 5 << 4
	h[13] = flags
	binary.BigEndian.PutUint16(h[14:16], 65535)
	return append(h, payload...)
}

// chain builds a raw IPv6 packet (link type RAW) whose extension headers,
// in order, have the protocol numbers kinds and the bodies exts (their
// Next Header byte is filled in here), followed by upper, a header of
// protocol proto.
func chain(kinds []byte, exts [][]byte, proto byte, upper []byte) []byte {
	pkt := ipv6Header()
	var body []byte
	for i, h := range exts {
		h = append([]byte(nil), h...)
		if i+1 < len(kinds) {
			h[0] = kinds[i+1]
		} else {
			h[0] = proto
		}
		body = append(body, h...)
	}
	body = append(body, upper...)
	pkt[6] = proto
	if len(kinds) > 0 {
		pkt[6] = kinds[0]
	}
	binary.BigEndian.PutUint16(pkt[4:6], uint16(len(body)))
	return append(pkt, body...)
}

// TestIPv6ExtensionHeadersAndFragments: TCP is found behind hop-by-hop,
// routing, destination options and authentication headers, and behind an
// atomic fragment header (offset 0, no more fragments). Fragments of a
// fragmented packet are not reassembled: none is TCP to decode (the first
// holds only part of the segment), so the segment's bytes count as missed
// from the capture, which the record says. An extension header cut short
// is malformed.
func TestIPv6ExtensionHeadersAndFragments(t *testing.T) {
	options := make([]byte, 8)        // hop-by-hop or destination options: Hdr Ext Len 0, PadN
	options[2], options[3] = 1, 4     // PadN of 4 bytes
	routing := make([]byte, 8)        // type 0 routing header, no addresses left
	atomicFragment := make([]byte, 8) // offset 0, no more fragments
	firstFragment := make([]byte, 8)  // offset 0, more fragments
	firstFragment[3] = 1              // M flag
	laterFragment := make([]byte, 8)  // offset 1448 bytes (181 units of 8)
	binary.BigEndian.PutUint16(laterFragment[2:4], 181<<3)
	auth := make([]byte, 24) // AH: Payload Len 4 (6 words of 4 bytes in all)
	auth[1] = 4
	tcp := tcpHeader(flow.FlagPSH|flow.FlagACK, "EHLO x\r\n")

	decodes := map[string][]byte{
		"hop-by-hop":                     chain([]byte{0}, [][]byte{options}, 6, tcp),
		"hop-by-hop, routing, dest opts": chain([]byte{0, 43, 60}, [][]byte{options, routing, options}, 6, tcp),
		"atomic fragment":                chain([]byte{44}, [][]byte{atomicFragment}, 6, tcp),
		"dest opts then atomic fragment": chain([]byte{60, 44}, [][]byte{options, atomicFragment}, 6, tcp),
		"authentication header":          chain([]byte{51}, [][]byte{auth}, 6, tcp),
	}
	for name, pkt := range decodes {
		var seg flow.Segment
		if err := flow.Decode(capture.LinkRaw, pkt, &seg); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if seg.Src != netip.MustParseAddrPort("[2001:db8::7]:40001") || seg.Dst != netip.MustParseAddrPort("[2001:db8::25]:25") ||
			seg.Seq != 1000 || string(seg.Payload) != "EHLO x\r\n" {
			t.Errorf("%s: decoded %v > %v seq %d payload %q", name, seg.Src, seg.Dst, seg.Seq, seg.Payload)
		}
	}

	notTCP := map[string][]byte{
		"first fragment":      chain([]byte{44}, [][]byte{firstFragment}, 6, tcp),
		"later fragment":      chain([]byte{44}, [][]byte{laterFragment}, 6, []byte("rest of a segment")),
		"UDP behind options":  chain([]byte{0}, [][]byte{options}, 17, make([]byte, 8)),
		"no next header (59)": chain([]byte{0}, [][]byte{options}, 59, nil),
		"unknown next header": chain([]byte{0}, [][]byte{options}, 253, make([]byte, 8)),
	}
	for name, pkt := range notTCP {
		var seg flow.Segment
		if err := flow.Decode(capture.LinkRaw, pkt, &seg); !errors.Is(err, flow.ErrNotTCP) {
			t.Errorf("%s: %v, want ErrNotTCP", name, err)
		}
	}

	whole := chain([]byte{0, 43}, [][]byte{options, routing}, 6, tcp)
	for _, cut := range []int{40 + 4, 40 + 8 + 4} { // inside the first, then the second extension header
		var seg flow.Segment
		pkt := append([]byte(nil), whole[:cut]...)
		binary.BigEndian.PutUint16(pkt[4:6], uint16(cut-40))
		if err := flow.Decode(capture.LinkRaw, pkt, &seg); !errors.Is(err, flow.ErrMalformed) {
			t.Errorf("cut at byte %d: %v, want ErrMalformed", cut, err)
		}
	}
	longExt := append([]byte(nil), options...)
	longExt[1] = 9 // says 80 bytes, has 8
	var seg flow.Segment
	if err := flow.Decode(capture.LinkRaw, chain([]byte{0}, [][]byte{longExt}, 6, nil), &seg); !errors.Is(err, flow.ErrMalformed) {
		t.Errorf("extension header longer than the packet: %v, want ErrMalformed", err)
	}
}
