package pcaptest

import (
	"encoding/binary"
	"fmt"
	"io"
)

// pcapng block types and option codes used by WritePcapNG.
const (
	ngSectionHeader     = 0x0a0d0d0a
	ngInterfaceDesc     = 0x00000001
	ngEnhancedPacket    = 0x00000006
	ngByteOrderMagic    = 0x1a2b3c4d
	ngOptEnd            = 0
	ngOptIfTsresol      = 9
	ngNanosecondTsresol = 9
)

// WritePcapNG writes the frames as a little-endian pcapng file with
// nanosecond timestamps. Each section declares interfaces 0 through the
// highest index used by a frame or listed in Builder.Interfaces, each with
// the link type of Builder.LinkOf. When Builder.SectionBreakAfter is
// positive and smaller than the number of frames, a second section header
// and the same interface blocks follow that many frames.
//
// The blocks are written by hand because pcapgo.NgWriter cannot start a
// second section and records the host's OS and architecture.
func (b *Builder) WritePcapNG(w io.Writer) error {
	n := max(len(b.Interfaces), 1)
	for i, p := range b.Packets {
		if p.Interface < 0 {
			return fmt.Errorf("pcaptest: packet %d has negative interface %d", i, p.Interface)
		}
		n = max(n, p.Interface+1)
	}
	var out []byte
	section := func() {
		out = ngBlock(out, ngSectionHeader, ngSHBBody())
		for i := range n {
			out = ngBlock(out, ngInterfaceDesc, ngIDBBody(uint16(b.LinkOf(i).LinkType())))
		}
	}
	section()
	for i, p := range b.Packets {
		if i > 0 && i == b.SectionBreakAfter {
			section()
		}
		out = ngBlock(out, ngEnhancedPacket, ngEPBBody(p))
	}
	_, err := w.Write(out)
	return err
}

// ngBlock appends a block of type typ around body, which must be a multiple
// of four bytes long.
func ngBlock(out []byte, typ uint32, body []byte) []byte {
	le := binary.LittleEndian
	total := uint32(12 + len(body))
	out = le.AppendUint32(out, typ)
	out = le.AppendUint32(out, total)
	out = append(out, body...)
	return le.AppendUint32(out, total)
}

// ngSHBBody returns a section header body without options and with an
// unspecified section length.
func ngSHBBody() []byte {
	le := binary.LittleEndian
	body := le.AppendUint32(nil, ngByteOrderMagic)
	body = le.AppendUint16(body, 1) // major version
	body = le.AppendUint16(body, 0) // minor version
	return le.AppendUint64(body, ^uint64(0))
}

// ngIDBBody returns an interface description body with an unlimited
// snapshot length and nanosecond timestamp resolution.
func ngIDBBody(linkType uint16) []byte {
	le := binary.LittleEndian
	body := le.AppendUint16(nil, linkType)
	body = le.AppendUint16(body, 0) // reserved
	body = le.AppendUint32(body, 0) // snaplen: unlimited
	body = le.AppendUint16(body, ngOptIfTsresol)
	body = le.AppendUint16(body, 1)
	body = append(body, ngNanosecondTsresol, 0, 0, 0)
	body = le.AppendUint16(body, ngOptEnd)
	return le.AppendUint16(body, 0)
}

// ngEPBBody returns an enhanced packet body for p, padded to four bytes.
func ngEPBBody(p Packet) []byte {
	le := binary.LittleEndian
	ts := uint64(timestamp(p.Time).UnixNano())
	body := le.AppendUint32(nil, uint32(p.Interface))
	body = le.AppendUint32(body, uint32(ts>>32))
	body = le.AppendUint32(body, uint32(ts))
	body = le.AppendUint32(body, uint32(len(p.Data)))
	body = le.AppendUint32(body, uint32(len(p.Data)))
	body = append(body, p.Data...)
	return append(body, make([]byte, (4-len(p.Data)%4)%4)...)
}
