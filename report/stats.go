package report

import (
	"time"

	"github.com/esaflow/esaflow/classify"
)

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
	// MailLog is what joining the mail server's log (--maillog) found;
	// nil without a log.
	MailLog *MailLogStats `json:"maillog,omitempty"`
}

// MailLogStats count what joining the mail server's log to the
// connections found (package maillog).
type MailLogStats struct {
	// Files and Lines read; Unparsed lines that are neither syslog nor
	// the ESA's (other programs' syslog lines count nowhere).
	Files    int `json:"files"`
	Lines    int `json:"lines"`
	Unparsed int `json:"unparsed_lines"`
	// Sessions the log holds; Joined those joined to a connection;
	// NotOnWire those in the capture's time with no connection on the
	// wire (listed in NotOnWireSessions, the first MaxListed).
	Sessions  int `json:"sessions"`
	Joined    int `json:"joined"`
	NotOnWire int `json:"not_on_wire"`
	// Mismatches and NotInLog count the connections flagged
	// log_wire_mismatch and not_in_log.
	Mismatches int `json:"log_wire_mismatch"`
	NotInLog   int `json:"not_in_log"`
	// NotOnWireSessions are the sessions NotOnWire counts, as a record
	// carries them, with the client's address.
	NotOnWireSessions []NotOnWire `json:"not_on_wire_sessions"`
}

// NotOnWire is a session of the mail server's log that no connection on
// the wire matches.
type NotOnWire struct {
	Client string `json:"client"`
	classify.LogSession
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
