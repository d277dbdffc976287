package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// readBufferSize is the read-ahead buffer. pcapgo reads through whatever
// *bufio.Reader it is given when that is at least 4 KiB; a large one makes
// reading a small part of the work (docs/performance.md).
const readBufferSize = 1 << 20

// File is a Source reading one capture file or stream.
type File struct {
	name    string
	format  string
	closer  io.Closer
	counter *countingReader
	raw     *countingReader
	peek    *bufio.Reader // the first bytes, to tell the format
	br      *bufio.Reader // pcapng: read through it, on top of peek
	pr      *pcapReader   // plain pcap
	ng      *pcapgo.NgReader
	secrets Secrets // pcapng's Decryption Secrets Blocks
	link    LinkType
	packets uint64
	links   []LinkType
	failed  error

	// Next on a pcap file hands out the frames of own one by one; ownErr
	// is what filling it returned, ownRest the bytes of the records in it
	// not handed out yet.
	own     *Batch
	ownIdx  int
	ownErr  error
	ownRest int64
	// ReadBatch on a pcapng file: a frame read by Next that did not fit in
	// the last batch, first in the next one.
	carried bool
	carry   Packet
}

// Open opens the named capture file; "-" reads standard input (stdin is
// passed in so that the package does not touch process globals). The
// format is recognised from the content: pcap, pcapng, or either one
// compressed with gzip, zstd or lz4 (the frame format of the lz4 tool).
func Open(name string, stdin io.Reader) (*File, error) {
	if name == "-" {
		return NewReader("-", io.NopCloser(stdin))
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: %w (give the files in it, e.g. %s)", name, ErrDirectory, filepath.Join(name, "*.pcap"))
	}
	src, err := NewReader(name, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return src, nil
}

// NewReader reads a capture from r, which is closed by Close. name is
// used in errors.
func NewReader(name string, r io.ReadCloser) (*File, error) {
	s := &File{name: name, closer: r, raw: &countingReader{r: r}}
	raw := bufio.NewReaderSize(s.raw, 64<<10)
	magic, err := raw.Peek(4)
	if len(magic) == 0 {
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("%s: %w: the file is empty", name, ErrNotCapture)
	}
	body, compression, err := decompressor(magic, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", name, compression, err)
	}
	s.counter = &countingReader{r: body}
	// A small buffer to look at the format: a pcap file is then read
	// straight into batches, a pcapng one through a large buffer on top.
	s.peek = bufio.NewReaderSize(s.counter, 4<<10)
	magic, err = s.peek.Peek(4)
	switch {
	case err != nil && compression != "" && err != io.EOF:
		// The compressed stream is damaged or cut before its first
		// frame could be decompressed: say so, not "not a capture".
		return nil, fmt.Errorf("%s: %s: %w", name, compression, err)
	case err != nil:
		return nil, fmt.Errorf("%s: %w: only %d bytes", name, ErrNotCapture, len(magic))
	}
	switch m := binary.LittleEndian.Uint32(magic); m {
	case 0x0a0d0d0a:
		s.format = "pcapng"
		s.br = bufio.NewReaderSize(&blockWatcher{r: s.peek, out: &s.secrets}, readBufferSize)
		s.ng, err = pcapgo.NewNgReader(s.br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, fmt.Errorf("%s: pcapng: %w", name, err)
		}
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		s.format = "pcap"
		s.pr, err = newPcapReader(s.readRaw)
		if err != nil {
			return nil, fmt.Errorf("%s: pcap: %w", name, err)
		}
		s.link = s.pr.link
		if !s.link.Supported() {
			return nil, fmt.Errorf("%s: %w %s", name, ErrUnsupportedLinkType, describeLink(layers.LinkType(s.link)))
		}
		s.links = []LinkType{s.link}
	default:
		return nil, fmt.Errorf("%s: %w (it starts with % x)", name, ErrNotCapture, magic)
	}
	if compression != "" {
		s.format += "." + compression
	}
	return s, nil
}

// Secrets returns the decryption secrets the file embeds (pcapng's
// Decryption Secrets Blocks; none in a pcap file), handed out as the file
// is read: see Secrets.OnSecrets.
func (s *File) Secrets() *Secrets { return &s.secrets }

func describeLink(l layers.LinkType) string {
	return fmt.Sprintf("%d (%s)", uint32(l), l.String())
}

// Name returns the name the file was opened with.
func (s *File) Name() string { return s.name }

// Format returns "pcap" or "pcapng", followed by ".gz", ".zst" or ".lz4"
// when the file is compressed.
func (s *File) Format() string { return s.format }

// LinkTypes returns the link types seen so far, in order of appearance.
func (s *File) LinkTypes() []LinkType { return s.links }

// Packets returns the number of frames handed out so far.
func (s *File) Packets() uint64 { return s.packets }

// Offset returns the number of bytes consumed so far (of the decompressed
// stream for gzip input): up to the end of the last frame handed out, or
// of the last batch read.
func (s *File) Offset() int64 {
	if s.pr != nil {
		return s.pr.offset - s.ownRest
	}
	return s.counter.n - int64(s.peek.Buffered()) - int64(s.br.Buffered())
}

// readRaw reads the stream after what the format check peeked at: the
// bytes the bufio.Reader holds first, then straight from below, so that a
// pcap file is read into a Batch's buffer without a copy in between.
func (s *File) readRaw(p []byte) (int, error) {
	if s.peek.Buffered() > 0 {
		return s.peek.Read(p)
	}
	n, err := s.counter.Read(p)
	if err == nil && n == 0 {
		err = io.ErrNoProgress
	}
	return n, err
}

// InputBytes returns the number of bytes read from the underlying file or
// stream so far: compressed bytes for gzip input, and read-ahead included.
// It measures progress against the file's size.
func (s *File) InputBytes() int64 { return s.raw.n }

// Next implements Source.
func (s *File) Next(p *Packet) error {
	if s.failed != nil {
		return s.failed
	}
	if s.pr != nil {
		return s.nextPcap(p)
	}
	start := s.Offset()
	data, ci, err := s.ng.ZeroCopyReadPacketData()
	if err == nil {
		lt := LinkType(ci.AncillaryData[0].(layers.LinkType))
		if lt != s.link || len(s.links) == 0 {
			if !lt.Supported() {
				err = fmt.Errorf("%w %s on interface %d", ErrUnsupportedLinkType, describeLink(layers.LinkType(lt)), ci.InterfaceIndex)
			} else {
				s.noteLink(lt)
			}
		}
		p.LinkType = lt
	}
	if err != nil {
		// pcapgo's pcapng reader returns io.EOF only at a block boundary,
		// so it is a clean end even after trailing non-packet blocks (the
		// interface statistics dumpcap writes last).
		if err == io.EOF && s.counter.err != nil {
			// pcapgo's pcapng reader turns an io.ErrUnexpectedEOF met at a
			// block boundary into io.EOF; when it came from below (a gzip
			// stream cut short), the file is damaged, not finished.
			err = s.counter.err
		}
		if err == io.EOF {
			s.failed = io.EOF
			return io.EOF
		}
		if errors.Is(err, ErrUnsupportedLinkType) {
			s.failed = fmt.Errorf("%s: %w", s.name, err)
			return s.failed
		}
		s.failed = &ReadError{File: s.name, Offset: start, Packet: s.packets + 1, Err: err}
		return s.failed
	}
	s.packets++
	p.Data = data
	p.Time = ci.Timestamp
	p.Length = ci.Length
	return nil
}

// nextPcap implements Next for a plain pcap file.
func (s *File) nextPcap(p *Packet) error {
	if s.own == nil {
		s.own = NewBatch(readBufferSize)
	}
	for s.ownIdx >= len(s.own.Packets) {
		if s.ownErr != nil {
			s.fail(s.ownErr)
			return s.failed
		}
		s.ownErr = s.pr.fill(s.own)
		s.ownIdx, s.ownRest = 0, 0
		for _, q := range s.own.Packets {
			s.ownRest += int64(pcapRecordHeaderLen + len(q.Data))
		}
	}
	*p = s.own.Packets[s.ownIdx]
	s.ownIdx++
	s.ownRest -= int64(pcapRecordHeaderLen + len(p.Data))
	s.packets++
	return nil
}

func (s *File) noteLink(lt LinkType) {
	s.link = lt
	for _, l := range s.links {
		if l == lt {
			return
		}
	}
	s.links = append(s.links, lt)
}

// Close implements Source.
func (s *File) Close() error { return s.closer.Close() }

// countingReader counts the bytes read through it and remembers the
// first error other than io.EOF that its reader returned.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}
