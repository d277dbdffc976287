package flow

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

var (
	itClient4 = pcaptest.Endpoint{Addr: netip.MustParseAddr("198.51.100.7"), Port: 41000}
	itServer4 = pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	itClient6 = pcaptest.Endpoint{Addr: netip.MustParseAddr("2001:db8::7"), Port: 41000}
	itServer6 = pcaptest.Endpoint{Addr: netip.MustParseAddr("2001:db8::25"), Port: 25}
	itT0      = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
)

// frame builds one client segment carrying payload on link l, from the
// IPv6 endpoints when v6 is set, with an IPv6 extension header when ext is
// set. With syn set it is a SYN (which carries an MSS option) instead.
func frame(l pcaptest.Link, v6, ext, syn bool, payload string) []byte {
	b := pcaptest.NewBuilder(l)
	b.VLAN, b.OuterVLAN, b.IPv6ExtHeader = 5, 6, ext
	c, s := itClient4, itServer4
	if v6 {
		c, s = itClient6, itServer6
	}
	flags := "PA"
	if syn {
		flags = "S"
	}
	b.TCP(itT0, c, s, flags, 1000, 2000, []byte(payload))
	return b.Packets[0].Data
}

// mutate returns a copy of data with f applied.
func mutate(data []byte, f func([]byte) []byte) []byte {
	return f(append([]byte(nil), data...))
}

// TestDecodeMalformedFrames feeds frames whose headers are cut short or
// inconsistent: each is ErrMalformed, and none panics.
func TestDecodeMalformedFrames(t *testing.T) {
	eth4 := frame(pcaptest.Ethernet, false, false, false, "EHLO client.example\r\n")
	eth6 := frame(pcaptest.Ethernet, true, true, false, "EHLO client.example\r\n")
	vlan := frame(pcaptest.EthernetVLAN, false, false, false, "x")
	qinq := frame(pcaptest.EthernetQinQ, false, false, false, "x")
	const ip, tcp = 14, 34 // offsets of the IPv4 and TCP headers in eth4
	tests := []struct {
		name string
		lt   capture.LinkType
		data []byte
	}{
		{"empty Ethernet", capture.LinkEthernet, nil},
		{"short Ethernet", capture.LinkEthernet, eth4[:13]},
		{"VLAN tag cut", capture.LinkEthernet, vlan[:16]},
		{"QinQ inner tag cut", capture.LinkEthernet, qinq[:20]},
		{"IPv4 header cut", capture.LinkEthernet, eth4[:ip+19]},
		{"IPv4 IHL below 5", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[ip] = 0x44; return b })},
		{"IPv4 IHL 0", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[ip] = 0x40; return b })},
		{"IPv4 IHL past the frame", capture.LinkEthernet, mutate(eth4[:ip+40], func(b []byte) []byte { b[ip] = 0x4f; return b })},
		{"IPv4 total length below IHL", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { binary.BigEndian.PutUint16(b[ip+2:], 12); return b })},
		{"IPv4 ethertype with IPv6 header", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[ip] = 0x65; return b })},
		{"TCP header cut", capture.LinkEthernet, eth4[:tcp+19]},
		{"TCP header missing", capture.LinkEthernet, eth4[:tcp]},
		{"TCP data offset below 5", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[tcp+12] = 0x40; return b })},
		{"TCP data offset 0", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[tcp+12] = 0x00; return b })},
		{"TCP data offset past the IP packet", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[tcp+12] = 0xf0; return b })},
		{"IPv6 header cut", capture.LinkEthernet, eth6[:14+39]},
		{"IPv6 extension header cut", capture.LinkEthernet, eth6[:14+40+7]},
		{"IPv6 extension header past the packet", capture.LinkEthernet, mutate(eth6, func(b []byte) []byte { b[14+40+1] = 200; return b })},
		{"IPv6 TCP header cut", capture.LinkEthernet, eth6[:14+48+12]},
		{"short Linux SLL", capture.LinkLinuxSLL, frame(pcaptest.LinuxSLL, false, false, false, "")[:15]},
		{"short Linux SLL2", capture.LinkLinuxSLL2, frame(pcaptest.LinuxSLL2, false, false, false, "")[:19]},
		{"Linux SLL2 IPv4 cut", capture.LinkLinuxSLL2, frame(pcaptest.LinuxSLL2, false, false, false, "")[:30]},
		{"short Null", capture.LinkNull, []byte{2, 0, 0}},
		{"Null IPv6 cut", capture.LinkNull, frame(pcaptest.Null, true, false, false, "")[:30]},
		{"short Loop", capture.LinkLoop, []byte{0, 0}},
		{"empty raw", capture.LinkRaw, nil},
		{"raw IP version 5", capture.LinkRaw, mutate(frame(pcaptest.RawIP, false, false, false, "x"), func(b []byte) []byte { b[0] = 0x55; return b })},
		{"raw IPv4 cut", capture.LinkIPv4, frame(pcaptest.RawIP, false, false, false, "x")[:10]},
		{"raw IPv6 cut", capture.LinkIPv6, frame(pcaptest.RawIP, true, false, false, "x")[:10]},
	}
	for _, tc := range tests {
		var seg Segment
		if err := Decode(tc.lt, tc.data, &seg); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", tc.name, err)
		}
	}
}

// TestDecodeNotTCPIsNotMalformed checks that well-formed frames that are
// not TCP over IP are ErrNotTCP, not ErrMalformed.
func TestDecodeNotTCPIsNotMalformed(t *testing.T) {
	eth4 := frame(pcaptest.Ethernet, false, false, false, "x")
	tests := []struct {
		name string
		lt   capture.LinkType
		data []byte
	}{
		{"ARP", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[12], b[13] = 0x08, 0x06; return b })},
		{"UDP", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[14+9] = 17; return b })},
		{"IPv4 first fragment", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[14+6] = 0x20; return b })},
		{"IPv4 later fragment", capture.LinkEthernet, mutate(eth4, func(b []byte) []byte { b[14+6], b[14+7] = 0, 8; return b })},
		{"Null unknown family", capture.LinkNull, []byte{7, 0, 0, 0, 0x45}},
		{"unsupported link type", capture.LinkType(147), eth4},
	}
	for _, tc := range tests {
		var seg Segment
		if err := Decode(tc.lt, tc.data, &seg); !errors.Is(err, ErrNotTCP) {
			t.Errorf("%s: got %v, want ErrNotTCP", tc.name, err)
		}
	}
}

// TestSnaplenInsideTCPOptionsIsTruncatedNotMalformed cuts a SYN inside
// its MSS option and a data segment inside its payload, as a small snap
// length does: both decode, with the fixed header's fields intact.
func TestSnaplenInsideTCPOptionsIsTruncatedNotMalformed(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		syn := frame(pcaptest.RawIP, v6, false, true, "")
		var seg Segment
		if err := Decode(capture.LinkRaw, syn[:len(syn)-2], &seg); err != nil {
			t.Fatalf("v6=%v SYN cut in its options: %v", v6, err)
		}
		if seg.Flags != FlagSYN || seg.Seq != 1000 || seg.Dst.Port() != 25 || len(seg.Payload) != 0 || seg.WireLen != 0 || seg.Truncated {
			t.Errorf("v6=%v SYN cut in its options: %+v", v6, seg)
		}
		data := frame(pcaptest.RawIP, v6, false, false, "EHLO client.example\r\n")
		if err := Decode(capture.LinkRaw, data[:len(data)-10], &seg); err != nil {
			t.Fatalf("v6=%v data cut: %v", v6, err)
		}
		if string(seg.Payload) != "EHLO client" || seg.WireLen != 21 || !seg.Truncated {
			t.Errorf("v6=%v data cut: payload %q wire %d truncated %v", v6, seg.Payload, seg.WireLen, seg.Truncated)
		}
	}
}

func TestConnKeyIsTheSameBothWaysAndKeepsAddressFamilies(t *testing.T) {
	cl := netip.MustParseAddrPort("192.0.2.1:40000")
	srv := netip.MustParseAddrPort("192.0.2.25:25")
	mapped := netip.MustParseAddrPort("[::ffff:192.0.2.1]:40000")
	mappedSrv := netip.MustParseAddrPort("[::ffff:192.0.2.25]:25")
	if makeKey(cl, srv) != makeKey(srv, cl) {
		t.Error("the key depends on the direction")
	}
	if makeKey(cl, srv) == makeKey(mapped, mappedSrv) {
		t.Error("IPv4 and IPv4-mapped IPv6 endpoints share a key")
	}
	samePorts := netip.MustParseAddrPort("192.0.2.1:25")
	if makeKey(samePorts, srv) == makeKey(cl, srv) || makeKey(samePorts, cl) != makeKey(cl, samePorts) {
		t.Error("ports are not part of the key, or not ordered with their address")
	}
}

// TestDecodedKeyIsMakeKeys checks the connection key Decode computes from
// the raw headers against makeKey on the decoded endpoints, both ways, for
// both address families and for addresses that differ only in their last
// byte or share it with different ports: a decoded segment and a hand-made
// one must find the same connection.
func TestDecodedKeyIsMakeKeys(t *testing.T) {
	pairs := [][2]string{
		{"198.51.100.7:41000", "192.0.2.25:25"},
		{"192.0.2.7:41000", "192.0.2.25:25"},
		{"192.0.2.25:41000", "192.0.2.25:25"},
		{"[2001:db8::7]:41000", "[2001:db8::25]:25"},
		{"[2001:db8:ffff::7]:41000", "[2001:db8::7]:587"},
		{"[2001:db8::7]:41000", "[2001:db8::7]:25"},
		{"[2001:db8::1:7]:41000", "[2001:db8::2:7]:25"},
		{"192.0.2.25:25", "192.0.2.25:26"},
		{"255.255.255.255:65535", "0.0.0.0:0"},
	}
	for _, p := range pairs {
		a, b := netip.MustParseAddrPort(p[0]), netip.MustParseAddrPort(p[1])
		for _, dir := range [][2]netip.AddrPort{{a, b}, {b, a}} {
			bl := pcaptest.NewBuilder(pcaptest.Ethernet)
			c := bl.Conv(pcaptest.Endpoint{Addr: dir[0].Addr(), Port: dir[0].Port()}, pcaptest.Endpoint{Addr: dir[1].Addr(), Port: dir[1].Port()}, 1, 2)
			c.Client(time.Unix(0, 0), "x")
			var seg Segment
			if err := Decode(capture.LinkEthernet, bl.Packets[0].Data, &seg); err != nil {
				t.Fatal(err)
			}
			if !seg.keyed || seg.key != makeKey(seg.Src, seg.Dst) || seg.key != makeKey(a, b) {
				t.Errorf("%v -> %v: decoded key %+v, makeKey %+v", dir[0], dir[1], seg.key, makeKey(a, b))
			}
			if k := makeKey(a, b); seg.hash != k.hash() {
				t.Errorf("%v -> %v: decoded hash %x, the key's %x", dir[0], dir[1], seg.hash, k.hash())
			}
		}
	}
}
