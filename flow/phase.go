package flow

// phase is where a connection is in its tracking. Its moves, all made by
// Conn.to:
//
//	from     to       when
//	probing  open     its content shows SMTP (Tracker.confirm): it gets its
//	                  ID and Stream, and the events kept so far
//	probing  decided  its content shows another protocol, or it is torn
//	                  down, idle, evicted or at the end of the input first
//	open     held     torn down by a RST while Config.ResetHold > 0
//	                  (Tracker.hold): decided once the hold is over
//	open     decided  torn down by FINs (or a RST, without a hold), idle,
//	                  evicted, its ports reused, or the end of the input
//	held     decided  the hold is over (Tracker.release), its ports reused,
//	                  pushed out of the closed list, or the end of the input
//
// A decided Conn is no longer tracked: its tomb alone stays for the linger
// time, and create reuses the Conn. Whether the TCP teardown was seen is a
// fact about the packets, not a phase: Conn.tornDown.
type phase uint8

const (
	// phaseProbing: off the SMTP ports, followed from its handshake until
	// its first bytes show whether it is SMTP; no ID, no Stream, events
	// kept by its probe.
	phaseProbing phase = iota + 1
	// phaseOpen: tracked, its events delivered to its Stream.
	phaseOpen
	// phaseHeld: torn down by a RST, in the closed list and still in the
	// table of open connections, so that what its "sender" does next is
	// seen (EventAfterRST).
	phaseHeld
	// phaseDecided: its Stream closed.
	phaseDecided
)

var phaseNames = [...]string{"", "probing", "open", "held", "decided"}

func (p phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return "phase?"
}

// onIllegalMove, when set (tests), is told of a move the table above does
// not allow; such a move is a bug in the Tracker, never the input's doing.
var onIllegalMove func(c *Conn, from, to phase)

// to moves c to phase p.
func (c *Conn) to(p phase) {
	switch from := c.phase; {
	case from == 0 && (p == phaseProbing || p == phaseOpen), // create
		from == phaseProbing && (p == phaseOpen || p == phaseDecided),
		from == phaseOpen && (p == phaseHeld || p == phaseDecided),
		from == phaseHeld && p == phaseDecided:
	default:
		if onIllegalMove != nil {
			onIllegalMove(c, from, p)
		}
	}
	c.phase = p
}
