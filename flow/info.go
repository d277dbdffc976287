package flow

import (
	"net/netip"
	"time"
)

// ConnInfo is a snapshot of a Conn: what the Tracker knows of the
// connection's TCP life, taken when it is closed (Info, InfoTo). The Conn
// is the Tracker's and is reused once closed; the snapshot is its taker's
// to keep, and a Stream that finishes its work on another goroutine reads
// it there.
type ConnInfo struct {
	ID             uint64
	Client, Server netip.AddrPort
	Start, End     time.Time
	hist           history
	state          string
	closedBy       string
	packets, bytes [2]uint64
	missed, syns   [2]uint64
	gaveUp         [2]uint64
	refused        bool
	sawSYN         bool
	sawSYNACK      bool
}

// Info returns the snapshot of c now.
func (c *Conn) Info() ConnInfo {
	var i ConnInfo
	c.InfoTo(&i)
	return i
}

// InfoTo writes the snapshot of c now into *i, field by field: a caller
// that keeps snapshots in a slice avoids a ConnInfo built on the stack and
// copied in 16-byte moves over smaller stores, which stall.
func (c *Conn) InfoTo(i *ConnInfo) {
	i.ID, i.Client, i.Server, i.Start, i.End = c.ID, c.Client, c.Server, c.Start, c.End
	i.hist, i.state, i.closedBy = c.hist, c.state(), c.closedBy()
	i.packets[0], i.packets[1] = c.half[0].packets, c.half[1].packets
	i.bytes[0], i.bytes[1] = c.half[0].bytes, c.half[1].bytes
	i.missed[0], i.missed[1] = c.half[0].missed, c.half[1].missed
	i.syns[0], i.syns[1] = c.half[0].syns, c.half[1].syns
	i.gaveUp[0], i.gaveUp[1] = c.half[0].gaveUp, c.half[1].gaveUp
	i.refused, i.sawSYN, i.sawSYNACK = c.refused, c.sawSYN(), c.synack
}

// History is the connection's history at the snapshot, in Zeek's
// notation (see history).
func (i *ConnInfo) History() string { return i.hist.String() }

// AppendHistory appends History to b, for a caller that keeps the string's
// bytes itself (no allocation).
func (i *ConnInfo) AppendHistory(b []byte) []byte { return append(b, i.hist.buf[:i.hist.n]...) }

// State is the conn_state Zeek would assign to the connection (S0, REJ,
// SF, RSTR, ...; see Conn.state for the table).
func (i *ConnInfo) State() string { return i.state }

// ClosedBy tells who closed first and how: "client FIN", "server RST",
// or "" if neither side closed in the capture.
func (i *ConnInfo) ClosedBy() string { return i.closedBy }

// Packets is the number of packets sent in direction d.
func (i *ConnInfo) Packets(d Direction) uint64 { return i.packets[d] }

// Bytes is the payload bytes delivered in direction d (each byte once,
// retransmissions not counted).
func (i *ConnInfo) Bytes(d Direction) uint64 { return i.bytes[d] }

// Missed is the payload bytes sent in direction d that the capture does
// not hold: cut by the snap length, or in a sequence-number hole (packets
// the capture lost). Zeek calls their sum missed_bytes.
func (i *ConnInfo) Missed(d Direction) uint64 { return i.missed[d] }

// GaveUp is the bytes of direction d given up when the out-of-order data
// held for it passed its bound: the bytes missing before the earliest held
// segment, declared a gap though they may have come later.
func (i *ConnInfo) GaveUp(d Direction) uint64 { return i.gaveUp[d] }

// SYNs is the client's SYN packets (d ClientToServer) or the server's
// SYN,ACK packets (d ServerToClient), retransmissions included.
func (i *ConnInfo) SYNs(d Direction) uint64 { return i.syns[d] }

// Refused reports whether the server answered the SYN with RST.
func (i *ConnInfo) Refused() bool { return i.refused }

// SawSYN reports whether the client's SYN was captured.
func (i *ConnInfo) SawSYN() bool { return i.sawSYN }

// SawSYNACK reports whether the server's SYN,ACK was captured.
func (i *ConnInfo) SawSYNACK() bool { return i.sawSYNACK }
