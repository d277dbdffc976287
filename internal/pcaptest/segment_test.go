package pcaptest

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func TestTCPDecodesWithAllFieldsOnEveryLinkAndFamily(t *testing.T) {
	for _, l := range Links() {
		for _, fam := range families {
			t.Run(l.String()+"/"+fam.name, func(t *testing.T) {
				b := NewBuilder(l)
				b.TCP(t0, fam.client, fam.server, "S", 1000, 0, nil)
				b.TCP(t0, fam.client, fam.server, "PA", 1001, 5001, []byte("EHLO x\r\n"))
				if len(b.Packets) != 2 {
					t.Fatalf("got %d packets, want 2", len(b.Packets))
				}

				p := decode(t, l, b.Packets[0].Data)
				tcp := tcpOf(t, p)
				if tcp.SrcPort != 40000 || tcp.DstPort != 25 || tcp.Seq != 1000 || tcp.Ack != 0 || flagString(tcp) != "S" {
					t.Errorf("SYN header = ports %d>%d seq %d ack %d flags %s", tcp.SrcPort, tcp.DstPort, tcp.Seq, tcp.Ack, flagString(tcp))
				}
				if tcp.Window != Window {
					t.Errorf("window = %d, want %d", tcp.Window, Window)
				}
				wantMSS := uint16(MSSIPv4)
				if fam.name == "IPv6" {
					wantMSS = MSSIPv6
				}
				if len(tcp.Options) == 0 || tcp.Options[0].OptionType != layers.TCPOptionKindMSS ||
					binary.BigEndian.Uint16(tcp.Options[0].OptionData) != wantMSS {
					t.Errorf("SYN options = %v, want MSS %d", tcp.Options, wantMSS)
				}
				if bad := badChecksums(t, p); len(bad) != 0 {
					t.Errorf("wrong checksums in %v", bad)
				}

				p = decode(t, l, b.Packets[1].Data)
				tcp = tcpOf(t, p)
				if flagString(tcp) != "AP" || tcp.Ack != 5001 || string(tcp.Payload) != "EHLO x\r\n" {
					t.Errorf("data segment = flags %s ack %d payload %q", flagString(tcp), tcp.Ack, tcp.Payload)
				}
				if len(tcp.Options) != 0 {
					t.Errorf("non-SYN segment has options %v", tcp.Options)
				}
				src, dst := p.NetworkLayer().NetworkFlow().Endpoints()
				if src.String() != fam.client.Addr.String() || dst.String() != fam.server.Addr.String() {
					t.Errorf("addresses %v > %v, want %v > %v", src, dst, fam.client.Addr, fam.server.Addr)
				}
				if bad := badChecksums(t, p); len(bad) != 0 {
					t.Errorf("wrong checksums in %v", bad)
				}
			})
		}
	}
}

func TestLinkHeadersCarryExpectedFields(t *testing.T) {
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			ethType := layers.EthernetTypeIPv4
			if fam.name == "IPv6" {
				ethType = layers.EthernetTypeIPv6
			}
			build := func(l Link, edit func(*Builder)) gopacket.Packet {
				b := NewBuilder(l)
				if edit != nil {
					edit(b)
				}
				b.TCP(t0, fam.client, fam.server, "A", 1, 2, nil)
				return decode(t, l, b.Packets[0].Data)
			}

			eth := build(Ethernet, nil).Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
			if !bytes.Equal(eth.SrcMAC, MAC(fam.client.Addr)) || !bytes.Equal(eth.DstMAC, MAC(fam.server.Addr)) || eth.EthernetType != ethType {
				t.Errorf("Ethernet = %v > %v type %v", eth.SrcMAC, eth.DstMAC, eth.EthernetType)
			}

			p := build(EthernetVLAN, func(b *Builder) { b.VLAN = 42 })
			if tags := dot1qs(p); len(tags) != 1 || tags[0].VLANIdentifier != 42 || tags[0].Type != ethType {
				t.Errorf("VLAN tags = %+v, want one tag 42", tags)
			}

			p = build(EthernetQinQ, func(b *Builder) { b.OuterVLAN, b.VLAN = 100, 42 })
			eth = p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
			tags := dot1qs(p)
			if eth.EthernetType != layers.EthernetTypeQinQ || len(tags) != 2 ||
				tags[0].VLANIdentifier != 100 || tags[0].Type != layers.EthernetTypeDot1Q ||
				tags[1].VLANIdentifier != 42 || tags[1].Type != ethType {
				t.Errorf("QinQ = outer type %v, tags %+v", eth.EthernetType, tags)
			}

			sll := build(LinuxSLL, nil).Layer(layers.LayerTypeLinuxSLL).(*layers.LinuxSLL)
			if sll.PacketType != layers.LinuxSLLPacketTypeHost || sll.AddrType != 1 ||
				!bytes.Equal(sll.Addr, MAC(fam.client.Addr)) || sll.EthernetType != ethType {
				t.Errorf("SLL = %+v", sll)
			}

			sll2 := build(LinuxSLL2, nil).Layer(layers.LayerTypeLinuxSLL2).(*layers.LinuxSLL2)
			if sll2.ProtocolType != ethType || sll2.InterfaceIndex != sllInterfaceIndex || sll2.ARPHardwareType != 1 ||
				sll2.PacketType != layers.LinuxSLL2PacketTypeHost || !bytes.Equal(sll2.Addr, MAC(fam.client.Addr)) {
				t.Errorf("SLL2 = %+v", sll2)
			}

			raw := build(RawIP, nil)
			if raw.Layers()[0].LayerType() != raw.NetworkLayer().LayerType() {
				t.Errorf("RawIP first layer = %v, want the IP layer", raw.Layers()[0].LayerType())
			}

			wantFamily := layers.ProtocolFamilyIPv4
			if fam.name == "IPv6" {
				wantFamily = DefaultNullIPv6Family
			}
			p = build(Null, nil)
			if lo := p.Layer(layers.LayerTypeLoopback).(*layers.Loopback); lo.Family != wantFamily ||
				binary.LittleEndian.Uint32(p.Data()) != uint32(wantFamily) {
				t.Errorf("Null family = %v (bytes % x), want %v little-endian", lo.Family, p.Data()[:4], wantFamily)
			}
		})
	}
}

func dot1qs(p gopacket.Packet) []*layers.Dot1Q {
	var out []*layers.Dot1Q
	for _, l := range p.Layers() {
		if d, ok := l.(*layers.Dot1Q); ok {
			out = append(out, d)
		}
	}
	return out
}

func TestNullIPv6FamilyIsConfigurable(t *testing.T) {
	for _, family := range []uint32{24, 28, 30} {
		b := NewBuilder(Null)
		b.NullIPv6Family = family
		b.TCP(t0, client6, server6, "A", 1, 2, nil)
		p := decode(t, Null, b.Packets[0].Data)
		if got := binary.LittleEndian.Uint32(p.Data()); got != family {
			t.Errorf("family %d written as %d", family, got)
		}
		if p.Layer(layers.LayerTypeIPv6) == nil {
			t.Errorf("family %d: no IPv6 layer", family)
		}
	}
}

func TestIPv4HeaderHasDFTTLAndPerSenderIDs(t *testing.T) {
	b := NewBuilder(RawIP)
	b.TCP(t0, client4, server4, "S", 1, 0, nil)
	b.TCP(t0, server4, client4, "SA", 9, 2, nil)
	b.TCP(t0, client4, server4, "A", 2, 10, nil)
	b.Segment(Segment{Time: t0, Src: client4, Dst: server4, Flags: "R", Seq: 2, TTL: 200, IPID: 7777})
	b.TTL = 0 // zero means DefaultTTL
	b.TCP(t0, client4, server4, "A", 2, 10, nil)
	want := []struct {
		id  uint16
		ttl uint8
	}{{1, 64}, {1, 64}, {2, 64}, {7777, 200}, {3, 64}}
	for i, w := range want {
		ip := decode(t, RawIP, b.Packets[i].Data).Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip.Id != w.id || ip.TTL != w.ttl || ip.Flags != layers.IPv4DontFragment {
			t.Errorf("packet %d: id %d ttl %d flags %v, want id %d ttl %d DF", i, ip.Id, ip.TTL, ip.Flags, w.id, w.ttl)
		}
	}
}

func TestIPv6HopLimitFollowsTTL(t *testing.T) {
	b := NewBuilder(RawIP)
	b.TTL = 57
	b.TCP(t0, client6, server6, "A", 1, 2, nil)
	ip := decode(t, RawIP, b.Packets[0].Data).Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	if ip.HopLimit != 57 {
		t.Errorf("hop limit = %d, want 57", ip.HopLimit)
	}
}

func TestIPv6ExtHeaderPrecedesTCP(t *testing.T) {
	for _, l := range []Link{Ethernet, RawIP} {
		b := NewBuilder(l)
		b.IPv6ExtHeader = true
		b.TCP(t0, client6, server6, "PA", 1, 2, []byte("QUIT\r\n"))
		p := decode(t, l, b.Packets[0].Data)
		ip := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
		ext, ok := p.Layer(layers.LayerTypeIPv6Destination).(*layers.IPv6Destination)
		if ip.NextHeader != layers.IPProtocolIPv6Destination || !ok || ext.NextHeader != layers.IPProtocolTCP {
			t.Fatalf("%v: IPv6 next header %v, extension %v", l, ip.NextHeader, ext)
		}
		if got := len(ext.Contents); got != 8 {
			t.Errorf("%v: extension header is %d bytes, want 8", l, got)
		}
		if int(ip.Length) != 8+20+6 {
			t.Errorf("%v: payload length %d, want 34", l, ip.Length)
		}
		if tcp := tcpOf(t, p); string(tcp.Payload) != "QUIT\r\n" {
			t.Errorf("%v: payload %q", l, tcp.Payload)
		}
		if bad := badChecksums(t, p); len(bad) != 0 {
			t.Errorf("%v: wrong checksums in %v", l, bad)
		}
	}
}

func TestBadChecksumsCorruptOnlyTheTCPChecksum(t *testing.T) {
	for _, fam := range families {
		good, bad := NewBuilder(Ethernet), NewBuilder(Ethernet)
		bad.BadChecksums = true
		for _, b := range []*Builder{good, bad} {
			b.TCP(t0, fam.client, fam.server, "PA", 1, 2, []byte("DATA\r\n"))
		}
		p := decode(t, Ethernet, bad.Packets[0].Data)
		if bad := badChecksums(t, p); len(bad) != 1 || bad[0] != layers.LayerTypeTCP {
			t.Errorf("%s: wrong checksums in %v, want exactly TCP", fam.name, bad)
		}
		if bad := badChecksums(t, decode(t, Ethernet, good.Packets[0].Data)); len(bad) != 0 {
			t.Errorf("%s: reference frame has wrong checksums in %v", fam.name, bad)
		}
		if diff := diffCount(good.Packets[0].Data, bad.Packets[0].Data); diff == 0 || diff > 2 {
			t.Errorf("%s: frames differ in %d bytes, want 1 or 2", fam.name, diff)
		}
	}
}

func diffCount(a, b []byte) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n + max(len(a), len(b)) - min(len(a), len(b))
}

func TestEthernetPadsShortFramesTo60Bytes(t *testing.T) {
	b := NewBuilder(Ethernet)
	b.TCP(t0, client4, server4, "A", 1, 2, nil)
	if got := len(b.Packets[0].Data); got != 60 {
		t.Errorf("pure IPv4 ACK frame is %d bytes, want 60", got)
	}
	if tcp := tcpOf(t, decode(t, Ethernet, b.Packets[0].Data)); len(tcp.Payload) != 0 {
		t.Errorf("padding leaked into payload: % x", tcp.Payload)
	}
}

func TestRawAppendsFrameUnchanged(t *testing.T) {
	b := NewBuilder(Ethernet)
	b.Interface = 1
	b.Raw(t0, []byte{1, 2, 3})
	if p := b.Packets[0]; !bytes.Equal(p.Data, []byte{1, 2, 3}) || !p.Time.Equal(t0) || p.Interface != 1 {
		t.Errorf("Raw packet = %+v", p)
	}
}

func TestSegmentPanicsOnInvalidInput(t *testing.T) {
	for name, s := range map[string]Segment{
		"unknown flag":   {Src: client4, Dst: server4, Flags: "SX"},
		"mixed families": {Src: client4, Dst: server6, Flags: "S"},
		"no address":     {Src: Endpoint{Port: 1}, Dst: server4, Flags: "S"},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			NewBuilder(Ethernet).Segment(s)
		})
	}
}

func TestMACIsDerivedFromAddress(t *testing.T) {
	if got, want := MAC(client4.Addr), (net.HardwareAddr{2, 0, 192, 0, 2, 10}); !bytes.Equal(got, want) {
		t.Errorf("MAC(%v) = %v, want %v", client4.Addr, got, want)
	}
}
