package classify

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"
)

// Seconds is a duration written in JSON as a number of seconds, as Zeek's
// conn.log writes its intervals (0.00073 for 730µs).
type Seconds time.Duration

// MarshalJSON implements json.Marshaler.
func (s Seconds) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil), nil }

// AppendJSON appends s as MarshalJSON writes it: whole seconds, then the
// nanoseconds as a fraction without its trailing zeros (exact, unlike a
// float's digits, and cheaper to write).
func (s Seconds) AppendJSON(b []byte) []byte {
	ns := int64(s)
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	b = strconv.AppendInt(b, ns/1e9, 10)
	frac := ns % 1e9
	if frac == 0 {
		return b
	}
	var digits [10]byte
	digits[0] = '.'
	for i := 9; i >= 1; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 10
	for digits[n-1] == '0' {
		n--
	}
	return append(b, digits[:n]...)
}

// tcpProto is TCP's IP protocol number, which the Community ID hashes.
const tcpProto = 6

// appendCommunityID appends the Community ID (version 1, seed 0, as the
// specification at github.com/corelight/community-id-spec defines it) of
// the TCP connection between a and b: "1:" and the base64 of the SHA-1 of
// the seed, the two addresses, the protocol, a zero byte and the two
// ports, the smaller endpoint first.
func appendCommunityID(dst []byte, a, b netip.AddrPort) []byte {
	aa, ba := a.Addr().Unmap(), b.Addr().Unmap()
	if c := aa.Compare(ba); c > 0 || c == 0 && a.Port() > b.Port() {
		a, b, aa, ba = b, a, ba, aa
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	in := buf[:2] // seed 0
	in = appendAddrBytes(in, aa)
	in = appendAddrBytes(in, ba)
	in = append(in, tcpProto, 0)
	in = binary.BigEndian.AppendUint16(in, a.Port())
	in = binary.BigEndian.AppendUint16(in, b.Port())
	sum := sha1.Sum(in)
	dst = append(dst, "1:"...)
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// appendAddrBytes appends a's 4 (IPv4) or 16 bytes, network order.
func appendAddrBytes(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		x := a.As4()
		return append(b, x[:]...)
	}
	x := a.As16()
	return append(b, x[:]...)
}

// uidAlphabet is the alphabet of connection uids.
const uidAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// appendUID appends the connection's uid: "C" and 16 letters and digits
// from a hash of its start time and endpoints, in the manner of Zeek's
// uids, but stable: the same connection in the same capture has the same
// uid in every run, whatever the files' order or the number of workers.
func appendUID(dst []byte, start time.Time, client, server netip.AddrPort) []byte {
	var buf [8 + 2*(16+2)]byte
	in := binary.BigEndian.AppendUint64(buf[:0], uint64(start.UnixNano()))
	in = appendAddrBytes(in, client.Addr().Unmap())
	in = binary.BigEndian.AppendUint16(in, client.Port())
	in = appendAddrBytes(in, server.Addr().Unmap())
	in = binary.BigEndian.AppendUint16(in, server.Port())
	// FNV-1a, twice with different offset bases: 128 bits, no allocation.
	h1, h2 := uint64(14695981039346656037), uint64(0x6c62272e07bb0142)
	for _, c := range in {
		h1 = (h1 ^ uint64(c)) * 1099511628211
		h2 = (h2 ^ uint64(c)) * 1099511628211
	}
	bits, extra := h1, uint32(h2>>16)
	dst = append(dst, 'C')
	for i := range 16 {
		var v uint64
		if i < 10 {
			v = bits >> (6 * i) & 63
		} else {
			v = uint64(extra) >> (6 * (i - 10)) & 63
		}
		dst = append(dst, uidAlphabet[v%62])
	}
	return dst
}
