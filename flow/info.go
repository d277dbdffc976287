package flow

import (
	"net/netip"
	"time"
)

// ConnInfo is a snapshot of what a Conn tells about itself, taken when it
// is closed. A Stream that finishes its work on another goroutine takes
// one in Close (the Conn is the Tracker's and changes afterwards) and
// reads it later; its methods answer as the Conn's did.
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
	i.hist, i.state, i.closedBy = c.hist, c.State(), c.ClosedBy()
	i.packets[0], i.packets[1] = c.half[0].packets, c.half[1].packets
	i.bytes[0], i.bytes[1] = c.half[0].bytes, c.half[1].bytes
	i.missed[0], i.missed[1] = c.half[0].missed, c.half[1].missed
	i.syns[0], i.syns[1] = c.half[0].syns, c.half[1].syns
	i.gaveUp[0], i.gaveUp[1] = c.half[0].gaveUp, c.half[1].gaveUp
	i.refused, i.sawSYN, i.sawSYNACK = c.refused, c.SawSYN(), c.synack
}

// History is Conn.History at the snapshot.
func (i *ConnInfo) History() string { return i.hist.String() }

// AppendHistory appends History to b, for a caller that keeps the string's
// bytes itself (no allocation).
func (i *ConnInfo) AppendHistory(b []byte) []byte { return append(b, i.hist.buf[:i.hist.n]...) }

// State is Conn.State at the snapshot.
func (i *ConnInfo) State() string { return i.state }

// ClosedBy is Conn.ClosedBy at the snapshot.
func (i *ConnInfo) ClosedBy() string { return i.closedBy }

// Packets is Conn.Packets at the snapshot.
func (i *ConnInfo) Packets(d Direction) uint64 { return i.packets[d] }

// Bytes is Conn.Bytes at the snapshot.
func (i *ConnInfo) Bytes(d Direction) uint64 { return i.bytes[d] }

// Missed is Conn.Missed at the snapshot.
func (i *ConnInfo) Missed(d Direction) uint64 { return i.missed[d] }

// GaveUp is Conn.GaveUp at the snapshot.
func (i *ConnInfo) GaveUp(d Direction) uint64 { return i.gaveUp[d] }

// SYNs is Conn.SYNs at the snapshot.
func (i *ConnInfo) SYNs(d Direction) uint64 { return i.syns[d] }

// Refused is Conn.Refused at the snapshot.
func (i *ConnInfo) Refused() bool { return i.refused }

// SawSYN is Conn.SawSYN at the snapshot.
func (i *ConnInfo) SawSYN() bool { return i.sawSYN }

// SawSYNACK is Conn.SawSYNACK at the snapshot.
func (i *ConnInfo) SawSYNACK() bool { return i.sawSYNACK }
