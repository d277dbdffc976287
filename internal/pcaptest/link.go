package pcaptest

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strconv"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link selects the link-layer framing of built packets. Ethernet frames
// shorter than 60 bytes are zero-padded to 60 as on the wire, so decoders
// must use the IP length rather than the frame length. Source MAC addresses
// come from MAC.
type Link int

// The supported link-layer framings.
const (
	Ethernet     Link = iota // Ethernet II.
	EthernetVLAN             // Ethernet with one 802.1Q tag (VLAN id from Builder.VLAN).
	EthernetQinQ             // Ethernet with an 802.1ad outer tag (Builder.OuterVLAN) and an 802.1Q inner tag (Builder.VLAN).
	LinuxSLL                 // Linux cooked capture v1 (DLT_LINUX_SLL, 113).
	LinuxSLL2                // Linux cooked capture v2 (DLT_LINUX_SLL2, 276).
	RawIP                    // Raw IPv4 or IPv6 without a link header (LINKTYPE_RAW, 101).
	Null                     // BSD loopback (DLT_NULL, 0) with a little-endian address family.
)

// DefaultNullIPv6Family is the address family written in Null frames that
// carry IPv6 when Builder.NullIPv6Family is zero. It is 30, the value macOS
// uses; NetBSD and OpenBSD use 24 and FreeBSD uses 28. IPv4 always uses 2.
const DefaultNullIPv6Family = 30

// sllInterfaceIndex is the interface index written in LinuxSLL2 headers.
const sllInterfaceIndex = 1

// LinkType returns the capture-file link type of frames built with l.
// All Ethernet variants share LinkTypeEthernet.
func (l Link) LinkType() layers.LinkType {
	switch l {
	case Ethernet, EthernetVLAN, EthernetQinQ:
		return layers.LinkTypeEthernet
	case LinuxSLL:
		return layers.LinkTypeLinuxSLL
	case LinuxSLL2:
		return layers.LinkTypeLinuxSLL2
	case RawIP:
		return layers.LinkTypeRaw
	case Null:
		return layers.LinkTypeNull
	}
	panic("pcaptest: unknown Link " + l.String())
}

// String returns the name of the Link constant, for test names.
func (l Link) String() string {
	names := [...]string{"Ethernet", "EthernetVLAN", "EthernetQinQ", "LinuxSLL", "LinuxSLL2", "RawIP", "Null"}
	if l >= 0 && int(l) < len(names) {
		return names[l]
	}
	return "Link(" + strconv.Itoa(int(l)) + ")"
}

// Links lists every supported Link, so tests can range over all framings.
func Links() []Link {
	return []Link{Ethernet, EthernetVLAN, EthernetQinQ, LinuxSLL, LinuxSLL2, RawIP, Null}
}

// MAC returns the deterministic hardware address the builder uses for a
// host: the locally administered prefix 02:00 followed by the last four
// bytes of the host's address.
func MAC(a netip.Addr) net.HardwareAddr {
	b := a.As16()
	return net.HardwareAddr{0x02, 0x00, b[12], b[13], b[14], b[15]}
}

// linkLayers returns the layers that frame an IP packet from src to dst,
// outermost first.
func (b *Builder) linkLayers(l Link, src, dst netip.Addr) []gopacket.SerializableLayer {
	ethType := layers.EthernetTypeIPv4
	if !src.Is4() {
		ethType = layers.EthernetTypeIPv6
	}
	eth := &layers.Ethernet{SrcMAC: MAC(src), DstMAC: MAC(dst), EthernetType: ethType}
	switch l {
	case Ethernet:
		return []gopacket.SerializableLayer{eth}
	case EthernetVLAN:
		eth.EthernetType = layers.EthernetTypeDot1Q
		return []gopacket.SerializableLayer{eth, &layers.Dot1Q{VLANIdentifier: b.VLAN, Type: ethType}}
	case EthernetQinQ:
		eth.EthernetType = layers.EthernetTypeQinQ
		return []gopacket.SerializableLayer{eth,
			&layers.Dot1Q{VLANIdentifier: b.OuterVLAN, Type: layers.EthernetTypeDot1Q},
			&layers.Dot1Q{VLANIdentifier: b.VLAN, Type: ethType}}
	case LinuxSLL:
		return []gopacket.SerializableLayer{&sllHeader{proto: ethType, addr: MAC(src)}}
	case LinuxSLL2:
		return []gopacket.SerializableLayer{&sll2Header{proto: ethType, addr: MAC(src)}}
	case RawIP:
		return nil
	case Null:
		family := layers.ProtocolFamilyIPv4
		if !src.Is4() {
			family = layers.ProtocolFamily(DefaultNullIPv6Family)
			if b.NullIPv6Family != 0 {
				family = layers.ProtocolFamily(b.NullIPv6Family)
			}
		}
		return []gopacket.SerializableLayer{&layers.Loopback{Family: family}}
	}
	panic("pcaptest: unknown Link " + l.String())
}

// sllHeader writes the 16-byte Linux cooked v1 header, which gopacket can
// decode but not serialize. The packet type is always PACKET_HOST (0).
type sllHeader struct {
	proto layers.EthernetType
	addr  net.HardwareAddr
}

func (h *sllHeader) LayerType() gopacket.LayerType { return layers.LayerTypeLinuxSLL }

func (h *sllHeader) SerializeTo(buf gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	p, err := buf.PrependBytes(16)
	if err != nil {
		return err
	}
	clear(p)
	binary.BigEndian.PutUint16(p[0:2], 0) // PACKET_HOST
	binary.BigEndian.PutUint16(p[2:4], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(p[4:6], uint16(len(h.addr)))
	copy(p[6:14], h.addr)
	binary.BigEndian.PutUint16(p[14:16], uint16(h.proto))
	return nil
}

// sll2Header writes the 20-byte Linux cooked v2 header. The interface index
// is always 1 and the packet type PACKET_HOST (0).
type sll2Header struct {
	proto layers.EthernetType
	addr  net.HardwareAddr
}

func (h *sll2Header) LayerType() gopacket.LayerType { return layers.LayerTypeLinuxSLL2 }

func (h *sll2Header) SerializeTo(buf gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	p, err := buf.PrependBytes(20)
	if err != nil {
		return err
	}
	clear(p)
	binary.BigEndian.PutUint16(p[0:2], uint16(h.proto))
	binary.BigEndian.PutUint32(p[4:8], sllInterfaceIndex)
	binary.BigEndian.PutUint16(p[8:10], 1) // ARPHRD_ETHER
	p[10] = 0                              // PACKET_HOST
	p[11] = byte(len(h.addr))
	copy(p[12:20], h.addr)
	return nil
}
