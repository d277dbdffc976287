package capture

import (
	"errors"
	"fmt"
)

// ErrNotCapture is wrapped by the error returned when a file is neither a
// pcap nor a pcapng capture (nor a gzip-compressed one).
var ErrNotCapture = errors.New("not a pcap or pcapng capture")

// ErrDirectory is wrapped by the error returned when a directory is given
// where a capture file is expected.
var ErrDirectory = errors.New("is a directory, not a capture file")

// ErrUnsupportedLinkType is wrapped by the error returned when a file (or
// one of its pcapng interfaces) uses a link type esaflow cannot decode.
var ErrUnsupportedLinkType = errors.New("unsupported link type")

// ReadError reports input that stopped being readable part way: a
// truncated file, a corrupt record. Frames handed out before it remain
// valid; nothing after Offset is read from that file.
type ReadError struct {
	File   string // file name as given ("-" for standard input)
	Offset int64  // byte offset of the record that could not be read; in the decompressed stream for gzip input
	Packet uint64 // 1-based number of the packet that could not be read
	Err    error
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("%s: damaged at byte %d (packet %d): %v", e.File, e.Offset, e.Packet, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }
