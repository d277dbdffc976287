package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// readBufferSize is the read-ahead buffer. pcapgo reads through whatever
// *bufio.Reader it is given when that is at least 4 KiB; 1 MiB makes file
// reading cost a few per cent of the work instead of most of it.
const readBufferSize = 1 << 20

// File is a Source reading one capture file or stream.
type File struct {
	name    string
	format  string
	closer  io.Closer
	counter *countingReader
	raw     *countingReader
	br      *bufio.Reader
	pcap    *pcapgo.Reader
	ng      *pcapgo.NgReader
	link    LinkType
	packets uint64
	links   []LinkType
	failed  error
}

// Open opens the named capture file; "-" reads standard input (stdin is
// passed in so that the package does not touch process globals). The
// format is recognised from the content: pcap, pcapng, or either one
// compressed with gzip.
func Open(name string, stdin io.Reader) (*File, error) {
	if name == "-" {
		return NewReader("-", io.NopCloser(stdin))
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
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
		return nil, fmt.Errorf("%s: %w: the file is empty", name, ErrNotCapture)
	}
	var body io.Reader = raw
	compressed := len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if compressed {
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		body = zr
	}
	s.counter = &countingReader{r: body}
	s.br = bufio.NewReaderSize(s.counter, readBufferSize)
	magic, err = s.br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: only %d bytes", name, ErrNotCapture, len(magic))
	}
	switch m := binary.LittleEndian.Uint32(magic); m {
	case 0x0a0d0d0a:
		s.format = "pcapng"
		s.ng, err = pcapgo.NewNgReader(s.br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, fmt.Errorf("%s: pcapng: %w", name, err)
		}
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		s.format = "pcap"
		s.pcap, err = pcapgo.NewReader(s.br)
		if err != nil {
			return nil, fmt.Errorf("%s: pcap: %w", name, err)
		}
		s.link = LinkType(s.pcap.LinkType())
		if !s.link.Supported() {
			return nil, fmt.Errorf("%s: %w %s", name, ErrUnsupportedLinkType, describeLink(s.pcap.LinkType()))
		}
		s.links = []LinkType{s.link}
	default:
		return nil, fmt.Errorf("%s: %w (it starts with % x)", name, ErrNotCapture, magic)
	}
	if compressed {
		s.format += ".gz"
	}
	return s, nil
}

func describeLink(l layers.LinkType) string {
	return fmt.Sprintf("%d (%s)", uint32(l), l.String())
}

// Name returns the name the file was opened with.
func (s *File) Name() string { return s.name }

// Format returns "pcap", "pcapng", "pcap.gz" or "pcapng.gz".
func (s *File) Format() string { return s.format }

// LinkTypes returns the link types seen so far, in order of appearance.
func (s *File) LinkTypes() []LinkType { return s.links }

// Packets returns the number of frames handed out so far.
func (s *File) Packets() uint64 { return s.packets }

// Offset returns the number of bytes consumed so far (of the decompressed
// stream for gzip input).
func (s *File) Offset() int64 { return s.counter.n - int64(s.br.Buffered()) }

// InputBytes returns the number of bytes read from the underlying file or
// stream so far: compressed bytes for gzip input, and read-ahead included.
// It measures progress against the file's size.
func (s *File) InputBytes() int64 { return s.raw.n }

// Next implements Source.
func (s *File) Next(p *Packet) error {
	if s.failed != nil {
		return s.failed
	}
	start := s.Offset()
	var (
		data []byte
		ci   gopacket.CaptureInfo
		err  error
	)
	if s.pcap != nil {
		data, ci, err = s.pcap.ZeroCopyReadPacketData()
		p.LinkType = s.link
	} else {
		data, ci, err = s.ng.ZeroCopyReadPacketData()
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
	}
	if err != nil {
		// pcapgo's pcapng reader returns io.EOF only at a block boundary,
		// so it is a clean end even after trailing non-packet blocks (the
		// interface statistics dumpcap writes last); its pcap reader returns
		// io.EOF also when a record header was read but no data followed.
		if err == io.EOF && s.counter.err != nil {
			// pcapgo's pcapng reader turns an io.ErrUnexpectedEOF met at a
			// block boundary into io.EOF; when it came from below (a gzip
			// stream cut short), the file is damaged, not finished.
			err = s.counter.err
		}
		if err == io.EOF && (s.ng != nil || s.Offset() == start) {
			s.failed = io.EOF
			return io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
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
