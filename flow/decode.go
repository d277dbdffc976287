package flow

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"net/netip"
	"time"

	"github.com/esaflow/esaflow/capture"
)

// TCP flag bits as they appear in the TCP header's flags byte.
const (
	FlagFIN uint8 = 0x01
	FlagSYN uint8 = 0x02
	FlagRST uint8 = 0x04
	FlagPSH uint8 = 0x08
	FlagACK uint8 = 0x10
	FlagURG uint8 = 0x20
)

// Segment is one decoded TCP segment. Payload aliases the frame's bytes
// and is valid only as long as the frame is.
type Segment struct {
	Src, Dst netip.AddrPort
	Seq, Ack uint32
	Flags    uint8
	Window   uint16
	TTL      uint8  // IPv4 TTL or IPv6 hop limit
	IPID     uint16 // IPv4 identification (0 for IPv6)
	Payload  []byte
	Time     time.Time
	// Truncated is set when the snap length cut the segment's payload:
	// Payload holds fewer bytes than the segment carried.
	Truncated bool
	// WireLen is the payload length the segment carried on the wire.
	WireLen int

	// key is the connection's table key and hash its hash, computed by
	// Decode (keyed set)
	// so that a frame decoded ahead, on another goroutine, costs the
	// tracker no more than a table lookup. A Segment made by hand has it
	// computed from Src and Dst by the Tracker.
	key   connKey
	hash  uint64
	keyed bool
}

// Errors of Decode, to tell apart with errors.Is.
var (
	// ErrNotTCP marks a well-formed frame that is not TCP over IP (ARP,
	// UDP, ICMP, a non-first IP fragment): it is ignored, not malformed.
	ErrNotTCP = errors.New("not TCP")
	// ErrMalformed marks a frame whose headers cannot be parsed.
	ErrMalformed = errors.New("malformed frame")
)

// DecodePacket decodes the frame p into seg, timestamp included: what
// Tracker.Packet does first. It touches nothing but seg, so frames can be
// decoded ahead on another goroutine and handed to Tracker.Decoded, with
// the error it returned, in capture order.
func DecodePacket(p *capture.Packet, seg *Segment) error {
	err := Decode(p.LinkType, p.Data, seg)
	seg.Time = p.Time
	return err
}

// Decode parses one frame of the given link type into seg. It allocates
// nothing. It returns ErrNotTCP for frames that are not TCP and
// ErrMalformed for frames whose headers are cut short or inconsistent. A
// snap length that cuts only the TCP options is not malformed: the segment
// decodes with no captured payload.
// Checksums are not verified: captures taken on the sending host with
// checksum offload carry wrong ones, and the packets are still real.
func Decode(lt capture.LinkType, data []byte, seg *Segment) error {
	var etype uint16
	switch lt {
	case capture.LinkEthernet:
		if len(data) < 14 {
			return ErrMalformed
		}
		etype = binary.BigEndian.Uint16(data[12:14])
		data = data[14:]
		for etype == 0x8100 || etype == 0x88a8 || etype == 0x9100 {
			if len(data) < 4 {
				return ErrMalformed
			}
			etype = binary.BigEndian.Uint16(data[2:4])
			data = data[4:]
		}
	case capture.LinkLinuxSLL:
		if len(data) < 16 {
			return ErrMalformed
		}
		etype = binary.BigEndian.Uint16(data[14:16])
		data = data[16:]
	case capture.LinkLinuxSLL2:
		if len(data) < 20 {
			return ErrMalformed
		}
		etype = binary.BigEndian.Uint16(data[0:2])
		data = data[20:]
	case capture.LinkNull, capture.LinkLoop:
		if len(data) < 4 {
			return ErrMalformed
		}
		af := binary.LittleEndian.Uint32(data[:4])
		if af > 0xffff {
			af = binary.BigEndian.Uint32(data[:4])
		}
		data = data[4:]
		switch af {
		case 2:
			etype = 0x0800
		case 10, 24, 28, 30:
			etype = 0x86dd
		default:
			return ErrNotTCP
		}
	case capture.LinkRaw, capture.LinkIPv4, capture.LinkIPv6:
		if len(data) < 1 {
			return ErrMalformed
		}
		switch data[0] >> 4 {
		case 4:
			etype = 0x0800
		case 6:
			etype = 0x86dd
		default:
			return ErrMalformed
		}
	default:
		return ErrNotTCP
	}
	switch etype {
	case 0x0800:
		return decodeIPv4(data, seg)
	case 0x86dd:
		return decodeIPv6(data, seg)
	}
	return ErrNotTCP
}

func decodeIPv4(b []byte, seg *Segment) error {
	if len(b) < 20 || b[0]>>4 != 4 {
		return ErrMalformed
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < 20 || len(b) < ihl {
		return ErrMalformed
	}
	if total == 0 {
		// TSO captures on the sending host record 0; trust the frame.
		total = len(b)
	}
	if total < ihl {
		return ErrMalformed
	}
	if frag := binary.BigEndian.Uint16(b[6:8]); frag&0x3fff != 0 {
		// A fragment (MF set or a non-zero offset): SMTP over a path
		// that fragments TCP is not worth reassembling.
		return ErrNotTCP
	}
	if b[9] != 6 {
		return ErrNotTCP
	}
	seg.TTL = b[8]
	seg.IPID = binary.BigEndian.Uint16(b[4:6])
	wire := total - ihl
	if total > len(b) {
		total = len(b)
	}
	sport, dport, err := decodeTCP(b[ihl:total], wire, seg)
	if err != nil {
		return err
	}
	seg.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[12:16])), sport)
	seg.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[16:20])), dport)
	seg.hash = setKey(&seg.key, 0, 0xffff<<32|uint64(binary.BigEndian.Uint32(b[12:16])),
		0, 0xffff<<32|uint64(binary.BigEndian.Uint32(b[16:20])), sport, dport, true)
	seg.keyed = true
	return nil
}

func decodeIPv6(b []byte, seg *Segment) error {
	if len(b) < 40 || b[0]>>4 != 6 {
		return ErrMalformed
	}
	plen := int(binary.BigEndian.Uint16(b[4:6]))
	next := b[6]
	ip := b
	seg.TTL = b[7]
	seg.IPID = 0
	b = b[40:]
	wire := plen
	if plen == 0 {
		wire = len(b) // jumbogram or TSO: trust the frame
	} else if plen < len(b) {
		b = b[:plen] // drop link-layer padding
	}
	for {
		switch next {
		case 6:
			sport, dport, err := decodeTCP(b, wire, seg)
			if err != nil {
				return err
			}
			seg.Src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(ip[8:24])), sport)
			seg.Dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(ip[24:40])), dport)
			seg.hash = setKey(&seg.key, binary.BigEndian.Uint64(ip[8:16]), binary.BigEndian.Uint64(ip[16:24]),
				binary.BigEndian.Uint64(ip[24:32]), binary.BigEndian.Uint64(ip[32:40]), sport, dport, false)
			seg.keyed = true
			return nil
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(b) < 8 {
				return ErrMalformed
			}
			n := (int(b[1]) + 1) * 8
			if len(b) < n {
				return ErrMalformed
			}
			next, b, wire = b[0], b[n:], wire-n
		case 44: // fragment
			if len(b) < 8 {
				return ErrMalformed
			}
			if binary.BigEndian.Uint16(b[2:4])&0xfff9 != 0 {
				return ErrNotTCP
			}
			next, b, wire = b[0], b[8:], wire-8
		case 51: // authentication header
			if len(b) < 8 {
				return ErrMalformed
			}
			n := (int(b[1]) + 2) * 4
			if len(b) < n {
				return ErrMalformed
			}
			next, b, wire = b[0], b[n:], wire-n
		default:
			return ErrNotTCP
		}
	}
}

func decodeTCP(b []byte, wire int, seg *Segment) (sport, dport uint16, err error) {
	if len(b) < 20 {
		return 0, 0, ErrMalformed
	}
	off := int(b[12]>>4) * 4
	if off < 20 || wire < off {
		return 0, 0, ErrMalformed
	}
	start := off
	if len(b) < off {
		// The snap length cut the options: the fixed header is all
		// that is needed, and no payload was captured.
		start = len(b)
	}
	seg.Seq = binary.BigEndian.Uint32(b[4:8])
	seg.Ack = binary.BigEndian.Uint32(b[8:12])
	seg.Flags = b[13]
	seg.Window = binary.BigEndian.Uint16(b[14:16])
	seg.Payload = b[start:]
	seg.WireLen = wire - off
	seg.Truncated = len(seg.Payload) < seg.WireLen
	return binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4]), nil
}

// setKey sets k to the connection key of the endpoints whose addresses
// are the big-endian words sh, sl and dh, dl of their 16-byte forms
// (IPv4-mapped for IPv4) and whose ports are sport and dport, as makeKey
// does, and returns its hash, as k.hash does: worked out in registers and
// stored with 8-byte stores. Built byte by byte and read back as words (the
// hash, the ordering), the key cost two store-forwarding stalls per packet
// (docs/performance.md).
func setKey(k *connKey, sh, sl, dh, dl uint64, sport, dport uint16, v4 bool) uint64 {
	lh, ll, hh, hl, lp, hp := sh, sl, dh, dl, sport, dport
	if lh > hh || lh == hh && (ll > hl || ll == hl && lp > hp) {
		lh, ll, hh, hl, lp, hp = hh, hl, lh, ll, hp, lp
	}
	binary.BigEndian.PutUint64(k.lo[0:8], lh)
	binary.BigEndian.PutUint64(k.lo[8:16], ll)
	binary.BigEndian.PutUint64(k.hi[0:8], hh)
	binary.BigEndian.PutUint64(k.hi[8:16], hl)
	k.loPort, k.hiPort, k.v4 = lp, hp, 0
	if v4 {
		k.v4 = 1
	}
	return hashWords(bits.ReverseBytes64(lh), bits.ReverseBytes64(ll), bits.ReverseBytes64(hh), bits.ReverseBytes64(hl),
		uint64(lp)|uint64(hp)<<16|uint64(k.v4)<<32)
}
