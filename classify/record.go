package classify

import (
	"net/netip"
	"time"
)

// Record is the decided result for one TCP connection: everything needed to
// explain its verdict from the output alone. All strings that come from the
// wire (banner, commands, reply texts) are already escaped with Escape, so
// renderers may print them as they are.
//
// The JSON field names are a public contract, documented in the README.
type Record struct {
	// ID numbers connections from 1 in the order their first packet
	// appears in the input.
	ID         uint64     `json:"id"`
	Client     netip.Addr `json:"client"`
	ClientPort uint16     `json:"client_port"`
	Server     netip.Addr `json:"server"`
	ServerPort uint16     `json:"server_port"`
	Verdict    Verdict    `json:"verdict"`
	Outcome    Outcome    `json:"outcome"`
	// BannerCode is the code of the server's first reply (0 if none).
	BannerCode int `json:"banner_code"`
	// Banner is the text of the server's first reply line, escaped.
	Banner string `json:"banner"`
	// History is the connection's history in Zeek conn.log notation:
	// upper case for the client, lower case for the server.
	History string `json:"history"`
	// ConnState is the conn_state Zeek would assign (S0, SF, REJ, RSTR, ...).
	ConnState string `json:"conn_state"`
	// ClosedBy tells who closed first and how: "server FIN", "client RST",
	// or "" when no close was seen.
	ClosedBy string    `json:"closed_by"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// Replies lists every server reply with the command it answered, in
	// order; the greeting has command "", the reply to the end of a message
	// has command ".". At most MaxReplies are kept;
	// RepliesOmitted counts the rest.
	Replies        []Reply  `json:"replies"`
	RepliesOmitted int      `json:"replies_omitted,omitempty"`
	StartTLS       StartTLS `json:"starttls"`
	// Packets and payload bytes each way.
	ClientPackets uint64 `json:"client_packets"`
	ServerPackets uint64 `json:"server_packets"`
	ClientBytes   uint64 `json:"client_bytes"`
	ServerBytes   uint64 `json:"server_bytes"`
	// Reason is a short explanation of how the verdict and outcome were
	// decided, in words (e.g. "server RST 1.2ms after the handshake, no
	// payload").
	Reason string `json:"reason"`
}

// MaxReplies bounds the replies kept per connection, so that a session
// with thousands of RCPT commands keeps bounded memory.
const MaxReplies = 64

// Reply is one server reply and the command it answered.
type Reply struct {
	// Command is the client command line it answered, escaped: "" for the
	// greeting, "." for the end of a message; AUTH arguments and the
	// client's AUTH exchange lines are replaced by "***".
	Command string `json:"command"`
	Code    int    `json:"code"`
	// Enhanced is the RFC 3463 enhanced status code, e.g. "5.1.8", or "".
	Enhanced string `json:"enhanced,omitempty"`
	// Text is the reply text without code, lines of a multi-line reply
	// joined by "\n", escaped.
	Text string `json:"text"`
	// Time is the timestamp of the packet that completed the reply.
	Time time.Time `json:"time"`
}

// StartTLS records what happened with STARTTLS on the connection.
type StartTLS struct {
	// Offered: the server's EHLO reply listed STARTTLS.
	Offered bool `json:"offered"`
	// Attempted: the client sent STARTTLS (or spoke TLS on an implicit-TLS
	// port).
	Attempted bool `json:"attempted"`
	// Result is "" (not attempted), "ok" (220 and the handshake went on),
	// "refused" (a non-220 reply), "handshake_failed" (alert or close
	// during the handshake) or "unknown" (the capture ended first).
	Result string `json:"result"`
}
