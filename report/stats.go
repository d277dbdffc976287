package report

import "time"

// FileStat describes one input file. The caller fills it in.
type FileStat struct {
	Name string `json:"name"`
	// Format is the container format, e.g. "pcap", "pcapng", "pcap.gz".
	Format    string   `json:"format"`
	LinkTypes []string `json:"link_types"`
	Packets   uint64   `json:"packets"`
	Bytes     int64    `json:"bytes"`
	Warning   string   `json:"warning,omitempty"`
}

// Stats describes the whole input. The caller fills it in and passes it to
// Renderer.Finish.
type Stats struct {
	Files []FileStat `json:"files"`
	// Packets counts the frames read.
	Packets uint64 `json:"packets"`
	// TCPPackets counts the TCP segments tracked: on an SMTP port, or of
	// a connection followed for its content.
	TCPPackets uint64 `json:"tcp_packets"`
	// Ignored counts the frames that are not TCP on an SMTP port.
	Ignored uint64 `json:"ignored"`
	// Malformed counts the frames that could not be decoded.
	Malformed   uint64 `json:"malformed"`
	Connections uint64 `json:"connections"`
	// Evicted counts the connections dropped for the table limit.
	Evicted uint64 `json:"evicted"`
	// GaveUp counts the payload bytes given up when a connection's
	// out-of-order data passed the reassembly bound, and GaveUpConns the
	// connections it happened to (each carries the reassembly_limit flag).
	GaveUp      uint64 `json:"reassembly_gave_up_bytes"`
	GaveUpConns uint64 `json:"reassembly_gave_up_connections"`
	// FilteredOut counts the decided connections a filter (--verdict,
	// --client, --since, ...) left out of the report.
	FilteredOut uint64 `json:"filtered_out"`
	// First and Last are the first and last packet timestamps (zero if
	// there was no packet).
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Warnings are problems with the input, e.g.
	// "capture.pcap: truncated at byte 12345: unexpected EOF".
	Warnings []string `json:"warnings"`
}

// normalized returns a copy of s fit for output: times in UTC and empty
// lists instead of nil ones, so that JSON shows [] rather than null. A nil
// s gives zero statistics. The caller's Stats is not modified.
func (s *Stats) normalized() Stats {
	var n Stats
	if s != nil {
		n = *s
	}
	n.First = n.First.UTC()
	n.Last = n.Last.UTC()
	n.Warnings = nonNil(n.Warnings)
	files := make([]FileStat, len(n.Files))
	for i, f := range n.Files {
		f.LinkTypes = nonNil(f.LinkTypes)
		files[i] = f
	}
	n.Files = files
	return n
}

// nonNil returns s, or an empty slice if s is nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
