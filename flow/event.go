package flow

import "time"

// Direction tells which way a segment or event travels.
type Direction uint8

const (
	// ClientToServer is from the connecting side (the SYN sender) to the
	// SMTP server.
	ClientToServer Direction = 0
	// ServerToClient is from the SMTP server to the client.
	ServerToClient Direction = 1
)

// String returns "client" or "server": the side that sent.
func (d Direction) String() string {
	if d == ClientToServer {
		return "client"
	}
	return "server"
}

// EventKind is what happened on a connection.
type EventKind uint8

const (
	// EventSYN: the client's SYN (sent once per connection; retransmissions
	// are not repeated).
	EventSYN EventKind = iota + 1
	// EventSYNACK: the server's SYN,ACK.
	EventSYNACK
	// EventEstablished: the client's ACK completing the handshake.
	EventEstablished
	// EventData: in-order payload bytes in Event.Dir. Event.Gap is set
	// when bytes before them are missing from the capture. A segment the
	// snap length cut is followed at once by an EventData without
	// payload and with Gap set: the bytes it lacks.
	EventData
	// EventFIN: a FIN in Event.Dir, delivered after all payload before it.
	EventFIN
	// EventRST: a RST in Event.Dir (the first one only).
	EventRST
	// EventRefused: the server answered the SYN with RST (a closed port).
	EventRefused
	// EventAfterRST: a packet without RST from the side whose RST tore
	// the connection down, seen during Config.ResetHold after it. A stack
	// that really reset the connection has no socket left to send from:
	// this packet says the RST was forged in that side's name. Event.Time
	// and Event.TTL are the packet's; Payload is nil (Event.Gap unused).
	EventAfterRST
)

var eventNames = [...]string{"", "SYN", "SYNACK", "ESTABLISHED", "DATA", "FIN", "RST", "REFUSED", "AFTER_RST"}

// String returns the event kind's name.
func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "EVENT?"
}

// Event is one thing that happened on a connection, in capture order.
//
// Payload aliases either the frame given to Tracker.Packet (or the
// segment given to Tracker.Segment) or a copy the Tracker made of an
// out-of-order segment, which it never writes again: the bytes stay valid
// exactly as long as the frame's own bytes do. A Stream that keeps them
// past the frame's life must copy them; one that knows the frames outlive
// its use (esaflow analyze holds each read-ahead batch until the events
// pointing into it are parsed) need not.
type Event struct {
	Kind    EventKind
	Dir     Direction
	Time    time.Time
	Payload []byte
	Gap     bool
	// TTL is the IPv4 TTL or IPv6 hop limit of the packet that caused the
	// event (for data delivered late, after a hole was filled, the packet
	// that filled it). A middlebox that forges packets in one side's name
	// usually gives itself away by a TTL the real sender never uses.
	TTL uint8
}

// CloseReason tells why a connection was handed to Stream.Close.
type CloseReason uint8

const (
	// CloseTeardown: FINs from both sides, or a RST, were seen.
	CloseTeardown CloseReason = iota
	// CloseIdle: no packet for the idle timeout (in packet time).
	CloseIdle
	// CloseEndOfInput: the input ended while the connection was open.
	CloseEndOfInput
	// CloseEvicted: the connection table was full and this connection was
	// the least recently active.
	CloseEvicted
	// CloseReused: a new SYN on the same address and port pair started a
	// new connection.
	CloseReused
)

var closeNames = [...]string{"teardown", "idle", "end of input", "evicted", "port reused"}

// String returns a short description of the reason.
func (r CloseReason) String() string {
	if int(r) < len(closeNames) {
		return closeNames[r]
	}
	return "close?"
}

// Stream receives the events of one connection.
//
// Lifecycle: the Tracker calls StreamFactory.New when it first sees a
// connection, then Event for each event in capture order, then Close
// exactly once. The *Conn passed is owned by the Tracker; a Stream may
// read it during these calls but must not keep it after Close returns.
type Stream interface {
	Event(c *Conn, e *Event)
	Close(c *Conn, reason CloseReason)
}

// StreamFactory makes a Stream for each new connection.
type StreamFactory interface {
	New(c *Conn) Stream
}
