package flow

import (
	"net/netip"
	"time"
)

// tomb is what the Tracker keeps of a torn-down connection for the linger
// time: its key, to absorb the packets that follow a teardown (the last
// ACK, a RST after a RST) instead of taking them for a new connection, and
// its client, to tell a new connection on the same ports by its SYN. It is
// a fraction of a Conn: the Conn itself goes back to create as soon as the
// connection is decided, so that the thousands of connections kept for
// linger cost neither memory nor cache misses for the open ones
// (docs/performance.md).
//
// While a connection is held (torn down by a RST, not yet decided), its
// tomb is in the closed list with conn set, and the Conn stays in the
// Tracker's table of open connections; once decided, the tomb alone is in
// the table of tombs.
type tomb struct {
	node[tomb] // position in the closed list, key and hash; first (see node)
	client     netip.AddrPort
	end        time.Time // the last packet's time, once decided
	conn       *Conn     // while held, else nil
}

// lastSeen returns the time of the connection's last packet.
func (tb *tomb) lastSeen() time.Time {
	if tb.conn != nil {
		return tb.conn.End
	}
	return tb.end
}

// maxSpareTombs bounds the forgotten tombs kept for reuse.
const maxSpareTombs = 1024

// linger moves a torn-down connection from the open list to the closed
// one (its tomb, which refers to it until it is decided), forgetting the
// oldest closed connection past maxLingering (and deciding it first if it
// is still held).
func (t *Tracker) linger(c *Conn) {
	t.open.remove(c)
	var tb *tomb
	if k := len(t.spareT) - 1; k >= 0 {
		tb, t.spareT = t.spareT[k], t.spareT[:k]
	} else {
		tb = new(tomb)
	}
	*tb = tomb{} // then field by field: a literal copied over stalls (see Conn.emit)
	tb.key, tb.hash, tb.client, tb.conn = c.key, c.hash, c.Client, c
	c.tomb = tb
	t.closed.pushBack(tb)
	if t.closed.n > maxLingering {
		old := t.closed.head
		if old.conn != nil && old.conn.phase == phaseHeld {
			t.decide(old.conn, CloseTeardown)
		}
		t.forget(old)
	}
}

// bury moves a decided connection out of the table of open connections:
// its tomb goes into the table of tombs, and the Conn, unless it was held
// (the held list may still point to it), is kept for create to reuse.
// Streams must not keep a *Conn after Close.
func (t *Tracker) bury(c *Conn) {
	tb := c.tomb
	tb.end, tb.conn, c.tomb = c.End, nil, nil
	t.conns.del(c, c.hash)
	t.tombs.put(tb, tb.hash)
	if c.holdUntil.IsZero() && len(t.spare) < maxSpareConns {
		t.spare = append(t.spare, c)
	}
}

// forget removes a closed connection from the closed list and from its
// table: a decided one's tomb, or a held one that has no stream to decide
// it for (and so never is).
func (t *Tracker) forget(tb *tomb) {
	t.closed.remove(tb)
	if c := tb.conn; c != nil {
		t.conns.del(c, c.hash)
		c.tomb, tb.conn = nil, nil
	} else {
		t.tombs.del(tb, tb.hash)
	}
	if len(t.spareT) < maxSpareTombs {
		t.spareT = append(t.spareT, tb)
	}
}
