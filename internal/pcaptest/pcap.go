package pcaptest

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// DefaultSnaplen is the pcap snapshot length used when PcapOptions.Snaplen
// is zero.
const DefaultSnaplen = 262144

// PcapOptions selects the variant of the classic pcap format.
type PcapOptions struct {
	// Nanosecond writes nanosecond timestamps (magic 0xa1b23c4d) instead of
	// microsecond ones (magic 0xa1b2c3d4).
	Nanosecond bool
	// BigEndian writes the header and record headers in big-endian byte
	// order, as a big-endian host would.
	BigEndian bool
	// Snaplen is written in the file header; frames longer than it are
	// truncated, keeping their original length in the record header. Zero
	// means DefaultSnaplen.
	Snaplen uint32
}

// WritePcap writes the frames as a classic pcap file. All frames must share
// one link type, the one of the first frame's interface; Interface indexes
// are otherwise not recorded.
func (b *Builder) WritePcap(w io.Writer, opts PcapOptions) error {
	link := b.LinkOf(0).LinkType()
	if len(b.Packets) > 0 {
		link = b.LinkOf(b.Packets[0].Interface).LinkType()
	}
	for i, p := range b.Packets {
		if lt := b.LinkOf(p.Interface).LinkType(); lt != link {
			return fmt.Errorf("pcaptest: packet %d has link type %v, pcap file has %v", i, lt, link)
		}
	}
	snaplen := opts.Snaplen
	if snaplen == 0 {
		snaplen = DefaultSnaplen
	}
	if opts.BigEndian {
		return b.writePcapBigEndian(w, link, snaplen, opts.Nanosecond)
	}
	pw := pcapgo.NewWriter(w)
	if opts.Nanosecond {
		pw = pcapgo.NewWriterNanos(w)
	}
	if err := pw.WriteFileHeader(snaplen, link); err != nil {
		return err
	}
	for _, p := range b.Packets {
		data := truncate(p.Data, snaplen)
		ci := gopacket.CaptureInfo{Timestamp: timestamp(p.Time), CaptureLength: len(data), Length: len(p.Data)}
		if err := pw.WritePacket(ci, data); err != nil {
			return err
		}
	}
	return nil
}

// writePcapBigEndian writes a big-endian pcap file, which pcapgo cannot.
func (b *Builder) writePcapBigEndian(w io.Writer, link layers.LinkType, snaplen uint32, nanos bool) error {
	be := binary.BigEndian
	magic, div := uint32(0xa1b2c3d4), 1000
	if nanos {
		magic, div = 0xa1b23c4d, 1
	}
	hdr := be.AppendUint32(nil, magic)
	hdr = be.AppendUint16(hdr, 2) // version 2.4
	hdr = be.AppendUint16(hdr, 4)
	hdr = be.AppendUint32(hdr, 0) // thiszone
	hdr = be.AppendUint32(hdr, 0) // sigfigs
	hdr = be.AppendUint32(hdr, snaplen)
	hdr = be.AppendUint32(hdr, uint32(link))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for _, p := range b.Packets {
		t := timestamp(p.Time)
		data := truncate(p.Data, snaplen)
		rec := be.AppendUint32(nil, uint32(t.Unix()))
		rec = be.AppendUint32(rec, uint32(t.Nanosecond()/div))
		rec = be.AppendUint32(rec, uint32(len(data)))
		rec = be.AppendUint32(rec, uint32(len(p.Data)))
		if _, err := w.Write(append(rec, data...)); err != nil {
			return err
		}
	}
	return nil
}

// timestamp maps the zero Time to the Unix epoch so output never depends on
// the clock (pcapgo substitutes time.Now for a zero timestamp).
func timestamp(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0)
	}
	return t
}

func truncate(data []byte, snaplen uint32) []byte {
	if uint64(len(data)) > uint64(snaplen) {
		return data[:snaplen]
	}
	return data
}
