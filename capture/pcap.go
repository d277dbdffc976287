package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// pcap file format (https://www.tcpdump.org/manpages/pcap-savefile.5.html):
// a 24-byte file header, then records of a 16-byte header (seconds,
// micro- or nanoseconds, captured length, wire length) and the captured
// bytes.
const (
	pcapFileHeaderLen   = 24
	pcapRecordHeaderLen = 16
	// pcapMaxCaptureLen is the largest captured length accepted even when
	// the file's snap length is smaller (some writers record a small snap
	// length and longer frames): the bound pcapgo applies.
	pcapMaxCaptureLen = 256 << 10
)

// pcapReader parses pcap records straight out of a Batch's buffer, which
// the file is read into: a frame is never copied on its way to the
// caller. It replaces pcapgo's reader, which copies every frame out of a
// bufio.Reader, a large share of the work on a big file
// (docs/performance.md).
type pcapReader struct {
	read    func([]byte) (int, error)
	big     bool  // big-endian headers
	nano    int64 // nanoseconds per sub-second unit: 1 or 1000
	maxCap  int   // captured lengths above it are corrupt
	link    LinkType
	carry   []byte // the start of a record read past the last batch's end
	readErr error  // what read returned last (io.EOF at the end), once it has failed
	offset  int64  // bytes of the stream handed out: the file header and every record before the next
}

// newPcapReader reads the file header through read and returns a reader
// of the records after it.
func newPcapReader(read func([]byte) (int, error)) (*pcapReader, error) {
	var h [pcapFileHeaderLen]byte
	if _, err := io.ReadFull(readerFunc(read), h[:]); err != nil {
		return nil, err
	}
	r := &pcapReader{read: read, offset: pcapFileHeaderLen}
	switch binary.LittleEndian.Uint32(h[0:4]) {
	case 0xa1b2c3d4:
		r.nano = 1000
	case 0xd4c3b2a1:
		r.nano, r.big = 1000, true
	case 0xa1b23c4d:
		r.nano = 1
	case 0x4d3cb2a1:
		r.nano, r.big = 1, true
	default:
		return nil, fmt.Errorf("unknown magic %x", h[0:4])
	}
	if v := r.u16(h[4:6]); v != 2 {
		return nil, fmt.Errorf("unknown major version %d", v)
	}
	if v := r.u16(h[6:8]); v != 4 {
		return nil, fmt.Errorf("unknown minor version %d", v)
	}
	r.maxCap = max(int(r.u32(h[16:20])), pcapMaxCaptureLen)
	// The link type field's upper bits carry the FCS length; the type is
	// in the lower 16 (pcapgo keeps the same).
	r.link = LinkType(layers.LinkType(r.u32(h[20:24])))
	return r, nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func (r *pcapReader) u16(b []byte) uint16 {
	if r.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *pcapReader) u32(b []byte) uint32 {
	if r.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// fill replaces b's frames with the records that fit in its buffer. It
// returns nil while more may follow, io.EOF at a clean end, or the error
// that stopped it (io.ErrUnexpectedEOF for a record cut short); the
// frames before the damage are in b, and r.offset is where it starts.
func (r *pcapReader) fill(b *Batch) error {
	buf := append(b.buf[:0], r.carry...)
	r.carry = r.carry[:0]
	b.Packets = b.Packets[:0]
	pos, short := 0, false
	for {
		var need int
		var err error
		b.Packets, pos, need, err = r.parse(buf, pos, b.Packets)
		if err != nil {
			return r.fail(b, buf, err)
		}
		if r.readErr != nil {
			switch {
			case r.readErr != io.EOF:
				return r.fail(b, buf, r.readErr)
			case pos < len(buf):
				return r.fail(b, buf, io.ErrUnexpectedEOF)
			}
			b.buf = buf
			return io.EOF
		}
		if len(b.Packets) > 0 && (len(buf) == cap(buf) || short) {
			break // full, or a pipe gave what it had: hand it out
		}
		if len(b.Packets) == 0 && (need > cap(buf) || len(buf) == cap(buf)) {
			// A record larger than the buffer, and the first one in it
			// (no frame yet, so pos is 0): make room, at most doubling,
			// so that a corrupt length under a huge snap length costs
			// memory only as far as the file really goes.
			grown := make([]byte, len(buf), max(min(need, 2*cap(buf)), 64))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.read(buf[len(buf):cap(buf)])
		short = n < cap(buf)-len(buf)
		buf = buf[:len(buf)+n]
		if err != nil {
			r.readErr = err
		}
	}
	r.carry = append(r.carry, buf[pos:]...)
	b.buf = buf
	return nil
}

// parse appends to pkts a frame for every complete record in buf from
// pos on, and returns the position after the last one and, when a record
// is cut by the end of buf, the bytes it needs from its start (0 when its
// header is cut). The frames alias buf. err is a record that cannot be
// right; r.offset counts the records parsed.
func (r *pcapReader) parse(buf []byte, pos int, pkts []Packet) (_ []Packet, end, need int, err error) {
	for {
		rest := buf[pos:]
		if len(rest) < pcapRecordHeaderLen {
			return pkts, pos, 0, nil
		}
		capLen := int(r.u32(rest[8:12]))
		wire := int(r.u32(rest[12:16]))
		if capLen > r.maxCap {
			return pkts, pos, 0, fmt.Errorf("capture length exceeds snap length: %d > %d", capLen, r.maxCap)
		}
		if capLen > wire {
			return pkts, pos, 0, fmt.Errorf("capture length exceeds original packet length: %d > %d", capLen, wire)
		}
		n := pcapRecordHeaderLen + capLen
		if len(rest) < n {
			return pkts, pos, n, nil
		}
		// Field by field into the new slot: a Packet built whole is copied
		// from the stack in 16-byte moves over 8-byte stores, which the
		// processor cannot forward (a stall per frame).
		pkts = append(pkts, Packet{})
		p := &pkts[len(pkts)-1]
		p.Data = rest[pcapRecordHeaderLen:n:n]
		p.Time = time.Unix(int64(r.u32(rest[0:4])), int64(r.u32(rest[4:8]))*r.nano).UTC()
		p.Length, p.LinkType = wire, r.link
		pos += n
		r.offset += int64(n)
	}
}

// fail stops the reader at the record at r.offset: err is returned by
// every later fill.
func (r *pcapReader) fail(b *Batch, buf []byte, err error) error {
	b.buf = buf
	r.readErr = err
	r.carry = r.carry[:0]
	return err
}
