package capture

import "time"

// Packet is one frame handed out by a Source.
//
// Data is owned by the Source and is valid only until the next call to
// Next on the same Source: a consumer that keeps bytes must copy them.
type Packet struct {
	Data     []byte    // captured bytes, starting at the link-layer header
	Time     time.Time // capture timestamp, UTC
	Length   int       // length of the frame on the wire (>= len(Data) when a snap length cut it)
	LinkType LinkType
}

// Source hands out frames in capture order.
//
// Lifecycle: the caller calls Next until it returns an error; io.EOF means
// the input ended cleanly, a *ReadError that it ended damaged (frames
// already returned stay valid). The caller calls Close exactly once when
// done, whether or not Next failed.
type Source interface {
	// Next fills p with the next frame. p.Data aliases the Source's buffer.
	Next(p *Packet) error
	// Close releases the input.
	Close() error
}
