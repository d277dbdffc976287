package flow_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// TestDecodeAgreesWithGopacket decodes the same frames with flow.Decode and
// with gopacket's layer decoders, for every link type and both IP families.
func TestDecodeAgreesWithGopacket(t *testing.T) {
	for _, link := range pcaptest.Links() {
		for _, ext := range []bool{false, true} {
			b := pcaptest.NewBuilder(link)
			b.VLAN, b.OuterVLAN, b.IPv6ExtHeader = 7, 8, ext
			v6c := pcaptest.Endpoint{Addr: netip.MustParseAddr("2001:db8::7"), Port: 40001}
			v6s := pcaptest.Endpoint{Addr: netip.MustParseAddr("2001:db8::25"), Port: 25}
			for _, ends := range [][2]pcaptest.Endpoint{{client, server}, {v6c, v6s}} {
				c := b.Conv(ends[0], ends[1], 4000000000, 17)
				c.SYN(ms(0))
				c.SYNACK(ms(1))
				c.Server(ms(2), "220 mx\r\n")
				c.Client(ms(3), "EHLO x\r\n")
				c.ClientFIN(ms(4))
			}
			for i, p := range b.Packets {
				var seg flow.Segment
				if err := flow.Decode(capture.LinkType(link.LinkType()), p.Data, &seg); err != nil {
					t.Fatalf("%v frame %d: %v", link, i, err)
				}
				switch agree, why := agreesWithGopacket(link.LinkType(), p.Data, &seg); {
				case agree == gopacketFoundNoTCP:
					t.Fatalf("%v frame %d: gopacket finds no TCP", link, i)
				case agree == gopacketDisagrees:
					t.Errorf("%v ext=%v frame %d: %s", link, ext, i, why)
				}
			}
		}
	}
}

// gopacket's verdict on a frame flow.Decode decoded.
const (
	gopacketAgrees = iota
	gopacketFoundNoTCP
	gopacketDisagrees
)

// agreesWithGopacket decodes data with gopacket's layer decoders and
// compares the TCP segment it finds with seg, what flow.Decode made of
// the same frame: addresses, ports, sequence and acknowledgement numbers,
// flags and payload. why says what differs.
func agreesWithGopacket(lt layers.LinkType, data []byte, seg *flow.Segment) (int, string) {
	pkt := gopacket.NewPacket(data, lt, gopacket.Default)
	tl, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if tl == nil || pkt.NetworkLayer() == nil {
		return gopacketFoundNoTCP, ""
	}
	src, _ := netip.AddrFromSlice(pkt.NetworkLayer().NetworkFlow().Src().Raw())
	dst, _ := netip.AddrFromSlice(pkt.NetworkLayer().NetworkFlow().Dst().Raw())
	var flags uint8
	for bit, on := range []bool{tl.FIN, tl.SYN, tl.RST, tl.PSH, tl.ACK, tl.URG, tl.ECE, tl.CWR} {
		if on {
			flags |= 1 << bit
		}
	}
	if seg.Src != netip.AddrPortFrom(src, uint16(tl.SrcPort)) || seg.Dst != netip.AddrPortFrom(dst, uint16(tl.DstPort)) ||
		seg.Seq != tl.Seq || seg.Ack != tl.Ack || seg.Flags != flags || !bytes.Equal(seg.Payload, tl.Payload) {
		return gopacketDisagrees, fmt.Sprintf("esaflow %v>%v %d/%d flags %x payload %q; gopacket %v>%v %d/%d flags %x payload %q",
			seg.Src, seg.Dst, seg.Seq, seg.Ack, seg.Flags, seg.Payload,
			netip.AddrPortFrom(src, uint16(tl.SrcPort)), netip.AddrPortFrom(dst, uint16(tl.DstPort)), tl.Seq, tl.Ack, flags, tl.Payload)
	}
	return gopacketAgrees, ""
}

// FuzzDecode checks that no frame, however broken, makes Decode panic,
// and that whenever both Decode and gopacket's own decoders find a TCP
// segment in a frame, they find the same one.
func FuzzDecode(f *testing.F) {
	b := pcaptest.NewBuilder(pcaptest.EthernetQinQ)
	b.IPv6ExtHeader = true
	c := b.Conv(client, server, 1, 2)
	c.Client(ms(0), "MAIL FROM:<a@b>\r\n")
	for _, p := range b.Packets {
		f.Add(uint16(capture.LinkEthernet), p.Data)
	}
	f.Add(uint16(capture.LinkLinuxSLL2), []byte{0x86, 0xdd, 0, 0})
	f.Add(uint16(capture.LinkNull), []byte{30, 0, 0, 0, 0x60})
	f.Add(uint16(capture.LinkRaw), []byte{0x45, 0, 0, 20})
	opts, frag, ah := make([]byte, 8), make([]byte, 8), make([]byte, 24)
	ah[1] = 4
	tcp := tcpHeader(flow.FlagSYN, "")
	f.Add(uint16(capture.LinkRaw), chain([]byte{0, 43, 60, 44, 51}, [][]byte{opts, opts, opts, frag, ah}, 6, tcp))
	frag[3] = 1
	f.Add(uint16(capture.LinkRaw), chain([]byte{44}, [][]byte{frag}, 6, tcp))
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		var seg flow.Segment
		if flow.Decode(capture.LinkType(lt), data, &seg) != nil {
			return
		}
		if agree, why := agreesWithGopacket(layers.LinkType(lt), data, &seg); agree == gopacketDisagrees {
			t.Errorf("link type %d: %s", lt, why)
		}
	})
}
