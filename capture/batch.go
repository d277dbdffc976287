package capture

import "io"

// DefaultBatchSize is the frame bytes a Batch made by NewBatch(0) holds:
// large enough that reading costs one system call per megabyte.
const DefaultBatchSize = 1 << 20

// Batch is a run of frames read at once by File.ReadBatch. The Batch owns
// the bytes its Packets alias: they stay valid until the Batch is passed
// to ReadBatch again, however long that is, so a consumer can keep frames
// (or slices of them) while it holds the Batch, without copying.
type Batch struct {
	Packets []Packet
	buf     []byte
}

// NewBatch returns an empty Batch that reads about size bytes of frames
// at a time (DefaultBatchSize when size is 0 or less). A frame larger
// than that gets a batch of its own.
func NewBatch(size int) *Batch {
	if size <= 0 {
		size = DefaultBatchSize
	}
	return &Batch{buf: make([]byte, 0, size)}
}

// ReadBatch replaces b's frames with the next ones in the file. It returns
// nil while more may follow, and otherwise what Next would return (io.EOF
// at a clean end, a *ReadError for damage) after the frames now in b,
// which are valid either way. A plain pcap file is read straight into the
// batch's buffer; other formats go through Next, each frame copied in.
func (s *File) ReadBatch(b *Batch) error {
	if s.failed != nil {
		b.Packets = b.Packets[:0]
		return s.failed
	}
	if s.pr != nil {
		err := s.pr.fill(b)
		s.packets += uint64(len(b.Packets))
		if err != nil {
			s.fail(err)
			return s.failed
		}
		return nil
	}
	b.Packets = b.Packets[:0]
	buf := b.buf[:0]
	for {
		var p Packet
		if s.carried {
			p, s.carry, s.carried = s.carry, Packet{}, false
		} else if err := s.Next(&p); err != nil {
			b.buf = buf
			return err
		}
		if len(buf)+len(p.Data) > cap(buf) {
			if len(b.Packets) == 0 {
				buf = make([]byte, 0, len(p.Data)) // a frame larger than the batch
			} else {
				// The frame goes first in the next batch: it stays valid
				// in the source's buffer until the next call to Next.
				s.carried, s.carry = true, p
				b.buf = buf
				return nil
			}
		}
		start := len(buf)
		buf = append(buf, p.Data...)
		p.Data = buf[start:len(buf):len(buf)]
		b.Packets = append(b.Packets, p)
	}
}

// fail makes err, returned by the pcap reader, what every later read
// returns: io.EOF as it is, damage as a *ReadError at the record where
// the reader stopped.
func (s *File) fail(err error) {
	if err == io.EOF {
		s.failed = io.EOF
		return
	}
	s.failed = &ReadError{File: s.name, Offset: s.pr.offset, Packet: s.packets + 1, Err: err}
}
