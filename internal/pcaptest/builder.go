package pcaptest

import (
	"net/netip"
	"time"
)

// DefaultTTL is the IPv4 TTL and IPv6 hop limit used when neither the
// segment nor the Builder sets one.
const DefaultTTL = 64

// Endpoint is one side of a TCP connection.
type Endpoint struct {
	Addr netip.Addr
	Port uint16
}

// Packet is one captured frame.
type Packet struct {
	// Time is the capture timestamp. The zero Time is written as the Unix
	// epoch.
	Time time.Time
	// Data is the whole frame, starting with the link-layer header.
	Data []byte
	// Interface is the pcapng interface index the frame was captured on.
	Interface int
}

// Builder accumulates frames. The zero value is usable and frames Ethernet
// packets; NewBuilder sets the link and the default TTL explicitly.
type Builder struct {
	// Link is the framing of interface 0 and of every interface not listed
	// in Interfaces.
	Link Link
	// VLAN is the 802.1Q VLAN id of EthernetVLAN frames and the inner id of
	// EthernetQinQ frames.
	VLAN uint16
	// OuterVLAN is the 802.1ad service VLAN id of EthernetQinQ frames.
	OuterVLAN uint16
	// TTL is the IPv4 TTL and IPv6 hop limit; zero means DefaultTTL.
	TTL uint8
	// BadChecksums makes every TCP segment carry a wrong checksum (the
	// correct one XOR 0x5555), as in captures taken on a host with checksum
	// offload. IPv4 header checksums stay correct.
	BadChecksums bool
	// IPv6ExtHeader inserts an 8-byte Destination Options extension header
	// between the IPv6 header and TCP.
	IPv6ExtHeader bool
	// NullIPv6Family is the address family of Null frames carrying IPv6;
	// zero means DefaultNullIPv6Family.
	NullIPv6Family uint32

	// Interface is the interface index stamped on frames appended from now
	// on; it also selects their framing (see Interfaces).
	Interface int
	// Interfaces gives the framing of each pcapng interface by index, so one
	// file can mix link types. When empty, every interface uses Link.
	Interfaces []Link
	// SectionBreakAfter, when positive and smaller than the number of
	// packets, makes WritePcapNG start a second section (with the same
	// interfaces) after that many packets.
	SectionBreakAfter int

	// Packets holds the frames appended so far, in capture order.
	Packets []Packet

	ipID map[netip.Addr]uint16
}

// NewBuilder returns an empty Builder that frames packets with link and uses
// DefaultTTL.
func NewBuilder(link Link) *Builder {
	return &Builder{Link: link, TTL: DefaultTTL}
}

// LinkOf returns the framing of frames captured on interface i.
func (b *Builder) LinkOf(i int) Link {
	if i >= 0 && i < len(b.Interfaces) {
		return b.Interfaces[i]
	}
	return b.Link
}

// Raw appends data unchanged as one frame at time t on the current
// interface, for malformed-packet tests.
func (b *Builder) Raw(t time.Time, data []byte) {
	b.Packets = append(b.Packets, Packet{Time: t, Data: data, Interface: b.Interface})
}

// TCP appends one TCP segment from src to dst at time t. Flags is a string
// of flag letters in any order: S (SYN), A (ACK), P (PSH), F (FIN), R (RST),
// U (URG), E (ECE) and C (CWR), for example "S", "SA", "PA", "FA" or "RA";
// TCP panics on any other letter. The two endpoints must be of the same
// address family.
func (b *Builder) TCP(t time.Time, src, dst Endpoint, flags string, seq, ack uint32, payload []byte) {
	b.Segment(Segment{Time: t, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack, Payload: payload})
}

// Segment describes one TCP segment with every field a test may want to
// forge. Builder.TCP covers the common case.
type Segment struct {
	Time     time.Time
	Src, Dst Endpoint
	// Flags uses the letters documented on Builder.TCP.
	Flags    string
	Seq, Ack uint32
	Payload  []byte
	// TTL overrides Builder.TTL for this segment when non-zero.
	TTL uint8
	// IPID overrides the IPv4 identification when non-zero. Otherwise each
	// sender address counts up from 1.
	IPID uint16
}

// Segment appends s framed for the current interface. It panics if s cannot
// be serialized, which only happens for invalid input such as mixed address
// families or unknown flag letters.
func (b *Builder) Segment(s Segment) {
	data, err := b.frame(b.LinkOf(b.Interface), s)
	if err != nil {
		panic("pcaptest: " + err.Error())
	}
	b.Packets = append(b.Packets, Packet{Time: s.Time, Data: data, Interface: b.Interface})
}

// nextIPID returns the next IPv4 identification of sender a.
func (b *Builder) nextIPID(a netip.Addr) uint16 {
	if b.ipID == nil {
		b.ipID = make(map[netip.Addr]uint16)
	}
	b.ipID[a]++
	return b.ipID[a]
}
