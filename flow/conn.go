package flow

import (
	"net/netip"
	"time"
)

// Conn is one TCP connection between a client and an SMTP server port, as
// tracked by a Tracker. It is the Tracker's and lives until the connection
// is closed (Stream.Close), after which it is reused: a Stream reads its
// fields during a call and keeps a snapshot (Info) of the TCP-level facts
// it needs to explain a verdict.
type Conn struct {
	node[Conn] // position in the tracker's open list, key and hash; first (see node)

	// ID numbers connections from 1 in the order their first packet was
	// seen.
	ID     uint64
	Client netip.AddrPort
	Server netip.AddrPort
	// Start and End are the timestamps of the first and last packet.
	Start, End time.Time

	half        [2]half
	hist        history
	synack      bool // the server's SYN,ACK was seen
	established bool // the handshake completed (client ACK or data after SYN,ACK)
	refused     bool // the SYN was answered by RST
	closer      closeMark
	tornDown    bool  // the teardown was seen: FINs both ways, or a RST
	phase       phase // where its tracking is (phase.go)
	stream      Stream
	ev          *Event    // the tracker's scratch event, reused for every delivery
	tomb        *tomb     // in the closed list: torn down, held or being decided
	ttl         uint8     // TTL of the segment being applied, for its events
	holdUntil   time.Time // torn down by a RST: decided at this time
	probe       *probe    // off the SMTP ports, until its content shows SMTP (probe.go)
}

// closeMark remembers the first FIN or RST.
type closeMark struct {
	set bool
	dir Direction
	rst bool
}

// half is one direction of a connection.
type half struct {
	syn        bool // SYN (client) or SYN,ACK (server) seen
	isn        uint32
	nextKnown  bool
	next       uint32 // next expected sequence number
	gapPending bool   // bytes before the next delivery are missing
	fin        bool   // FIN seen
	finSeq     uint32
	finSent    bool // EventFIN delivered
	rst        bool
	packets    uint64
	bytes      uint64 // payload bytes delivered
	missed     uint64 // payload bytes on the wire but not in the capture
	gaveUp     uint64 // payload bytes given up when the out-of-order hold was full
	syns       uint64 // SYN (client) or SYN,ACK (server) packets
	ooo        []pending
	oooBytes   int
}

// pending is an out-of-order segment held until the bytes before it come.
type pending struct {
	seq  uint32
	data []byte
	wire int
}

// sawSYN reports whether the client's SYN was captured.
func (c *Conn) sawSYN() bool { return c.half[ClientToServer].syn }

// closedBy returns who closed first and how: "client FIN", "server RST",
// or "" if neither side closed in the capture.
func (c *Conn) closedBy() string {
	if !c.closer.set {
		return ""
	}
	return closedByNames[c.closer.dir][b2i(c.closer.rst)]
}

// closedByNames are closedBy's answers by direction, then FIN or RST:
// constants, so that deciding a connection does not build them.
var closedByNames = [2][2]string{{"client FIN", "client RST"}, {"server FIN", "server RST"}}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// state returns the conn_state Zeek would assign to the connection.
//
//	S0     client SYN, no reply
//	REJ    client SYN answered by RST
//	RSTOS0 client SYN then client RST, no SYN,ACK
//	SH     client SYN then client FIN, no SYN,ACK
//	SHR    server SYN,ACK then server FIN, no client SYN seen
//	RSTRH  server SYN,ACK then server RST, no client SYN seen
//	S1     established, not closed
//	SF     established, FIN from both sides
//	S2     established, only the client's FIN
//	S3     established, only the server's FIN
//	RSTO   established, the client reset
//	RSTR   established, the server reset
//	OTH    no SYN seen: mid-stream traffic
func (c *Conn) state() string {
	cl, sv := &c.half[ClientToServer], &c.half[ServerToClient]
	switch {
	case cl.syn && !c.synack:
		switch {
		case c.refused || sv.rst:
			return "REJ"
		case cl.rst:
			return "RSTOS0"
		case cl.fin:
			return "SH"
		case sv.packets == 0:
			return "S0"
		}
		return "OTH"
	case !cl.syn && c.synack:
		if c.closer.set && c.closer.dir == ServerToClient {
			if c.closer.rst {
				return "RSTRH"
			}
			if !cl.fin {
				return "SHR"
			}
		}
	case !cl.syn && !c.synack:
		return "OTH"
	}
	if c.closer.set && c.closer.rst {
		if c.closer.dir == ClientToServer {
			return "RSTO"
		}
		return "RSTR"
	}
	if cl.rst {
		return "RSTO"
	}
	if sv.rst {
		return "RSTR"
	}
	switch {
	case cl.fin && sv.fin:
		return "SF"
	case cl.fin:
		return "S2"
	case sv.fin:
		return "S3"
	}
	return "S1"
}
