package pcaptest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Window is the TCP window of every built segment.
const Window = 64240

// MSS values advertised on segments carrying SYN.
const (
	MSSIPv4 = 1460
	MSSIPv6 = 1440
)

// badChecksumMask is XORed into the correct TCP checksum when
// Builder.BadChecksums is set. Any mask other than 0 and 0xffff yields a
// value that is wrong in ones' complement arithmetic too.
const badChecksumMask = 0x5555

// frame serializes s as an IP packet, optionally corrupts its TCP checksum,
// and prepends the link-layer header of l.
func (b *Builder) frame(l Link, s Segment) ([]byte, error) {
	src, dst := s.Src.Addr.Unmap(), s.Dst.Addr.Unmap()
	if !src.IsValid() || !dst.IsValid() {
		return nil, errors.New("segment endpoints need valid addresses")
	}
	if src.Is4() != dst.Is4() {
		return nil, fmt.Errorf("mixed address families %v -> %v", src, dst)
	}
	tcp, err := tcpLayer(s)
	if err != nil {
		return nil, err
	}
	ttl := s.TTL
	if ttl == 0 {
		ttl = b.TTL
	}
	if ttl == 0 {
		ttl = DefaultTTL
	}

	var netLayers []gopacket.SerializableLayer
	var tcpOffset int // offset of the TCP header in the IP packet
	if src.Is4() {
		id := s.IPID
		if id == 0 {
			id = b.nextIPID(src)
		}
		ip := &layers.IPv4{
			Version: 4, TTL: ttl, Id: id, Flags: layers.IPv4DontFragment,
			Protocol: layers.IPProtocolTCP,
			SrcIP:    net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice()),
		}
		tcp.Options = append(tcp.Options, mssOption(s.Flags, MSSIPv4)...)
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			return nil, err
		}
		netLayers, tcpOffset = []gopacket.SerializableLayer{ip}, 20
	} else {
		ip := &layers.IPv6{
			Version: 6, HopLimit: ttl, NextHeader: layers.IPProtocolTCP,
			SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice()),
		}
		tcp.Options = append(tcp.Options, mssOption(s.Flags, MSSIPv6)...)
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			return nil, err
		}
		netLayers, tcpOffset = []gopacket.SerializableLayer{ip}, 40
		if b.IPv6ExtHeader {
			ip.NextHeader = layers.IPProtocolIPv6Destination
			ext := &layers.IPv6Destination{}
			ext.NextHeader = layers.IPProtocolTCP
			// One PadN option with four zero bytes fills the header to 8 bytes.
			ext.Options = []*layers.IPv6DestinationOption{{OptionType: 1, OptionData: make([]byte, 4)}}
			netLayers, tcpOffset = append(netLayers, ext), 48
		}
	}

	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}
	all := append(netLayers, tcp, gopacket.Payload(s.Payload))
	if err := gopacket.SerializeLayers(buf, opts, all...); err != nil {
		return nil, err
	}
	if b.BadChecksums {
		sum := buf.Bytes()[tcpOffset+16 : tcpOffset+18]
		binary.BigEndian.PutUint16(sum, binary.BigEndian.Uint16(sum)^badChecksumMask)
	}
	link := b.linkLayers(l, src, dst)
	for i := len(link) - 1; i >= 0; i-- {
		if err := link[i].SerializeTo(buf, opts); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// tcpLayer returns the TCP header of s without options.
func tcpLayer(s Segment) (*layers.TCP, error) {
	t := &layers.TCP{
		SrcPort: layers.TCPPort(s.Src.Port), DstPort: layers.TCPPort(s.Dst.Port),
		Seq: s.Seq, Ack: s.Ack, Window: Window,
	}
	for _, f := range s.Flags {
		switch f {
		case 'S':
			t.SYN = true
		case 'A':
			t.ACK = true
		case 'P':
			t.PSH = true
		case 'F':
			t.FIN = true
		case 'R':
			t.RST = true
		case 'U':
			t.URG = true
		case 'E':
			t.ECE = true
		case 'C':
			t.CWR = true
		default:
			return nil, fmt.Errorf("unknown TCP flag %q in %q", f, s.Flags)
		}
	}
	return t, nil
}

// mssOption returns the MSS option for segments whose flags include SYN.
func mssOption(flags string, mss uint16) []layers.TCPOption {
	for _, f := range flags {
		if f == 'S' {
			return []layers.TCPOption{{
				OptionType: layers.TCPOptionKindMSS,
				OptionData: binary.BigEndian.AppendUint16(nil, mss),
			}}
		}
	}
	return nil
}
