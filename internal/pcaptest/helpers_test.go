package pcaptest

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	t0 = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

	client4 = Endpoint{netip.MustParseAddr("192.0.2.10"), 40000}
	server4 = Endpoint{netip.MustParseAddr("198.51.100.25"), 25}
	client6 = Endpoint{netip.MustParseAddr("2001:db8::10"), 40000}
	server6 = Endpoint{netip.MustParseAddr("2001:db8::25"), 25}
)

// families names the endpoint pairs of both IP families.
var families = []struct {
	name           string
	client, server Endpoint
}{
	{"IPv4", client4, server4},
	{"IPv6", client6, server6},
}

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// decode decodes one frame of the given link and fails on decode errors.
func decode(t *testing.T, l Link, data []byte) gopacket.Packet {
	t.Helper()
	p := gopacket.NewPacket(data, l.LinkType(), gopacket.Default)
	if e := p.ErrorLayer(); e != nil {
		t.Fatalf("decoding %v frame: %v", l, e.Error())
	}
	return p
}

// tcpOf returns the TCP layer of p and fails if it has none.
func tcpOf(t *testing.T, p gopacket.Packet) *layers.TCP {
	t.Helper()
	tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !ok {
		t.Fatalf("no TCP layer in %v", p)
	}
	return tcp
}

// flagString renders the flags of tcp in the letters Builder.TCP accepts,
// in the fixed order CEUAPRSF.
func flagString(tcp *layers.TCP) string {
	var s string
	for _, f := range []struct {
		on bool
		c  string
	}{{tcp.CWR, "C"}, {tcp.ECE, "E"}, {tcp.URG, "U"}, {tcp.ACK, "A"}, {tcp.PSH, "P"}, {tcp.RST, "R"}, {tcp.SYN, "S"}, {tcp.FIN, "F"}} {
		if f.on {
			s += f.c
		}
	}
	return s
}

// seg is the part of a decoded segment the ladder tests compare.
type seg struct {
	Src   uint16
	Flags string
	Seq   uint32
	Ack   uint32
	Data  string
}

// segs decodes every frame of b into seg values.
func segs(t *testing.T, b *Builder) []seg {
	t.Helper()
	var out []seg
	for _, pk := range b.Packets {
		tcp := tcpOf(t, decode(t, b.LinkOf(pk.Interface), pk.Data))
		out = append(out, seg{uint16(tcp.SrcPort), flagString(tcp), tcp.Seq, tcp.Ack, string(tcp.Payload)})
	}
	return out
}

// badChecksums returns the layer types of p whose checksums are wrong. The
// decoded TCP layer needs its network layer set before it can verify.
func badChecksums(t *testing.T, p gopacket.Packet) []gopacket.LayerType {
	t.Helper()
	if err := tcpOf(t, p).SetNetworkLayerForChecksum(p.NetworkLayer()); err != nil {
		t.Fatal(err)
	}
	err, mismatches := p.VerifyChecksums()
	if err != nil {
		t.Fatal(err)
	}
	var out []gopacket.LayerType
	for _, m := range mismatches {
		out = append(out, m.Layer.LayerType())
	}
	return out
}
