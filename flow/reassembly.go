package flow

import "time"

// maxPendingBytes bounds the out-of-order data held per direction, each
// segment charged its payload and pendingOverhead for its bookkeeping (so
// that a flood of one-byte segments is bounded as well as a few large
// ones). Past it, the bytes missing before the earliest held segment are
// given up as a gap and delivery goes on: memory stays bounded on a
// capture that lost packets, or on a hostile sender; Conn.GaveUp counts
// what was given up.
const (
	maxPendingBytes = 1 << 20
	pendingOverhead = 64
	// dupScan is how many held segments hold looks through for an exact
	// duplicate; past it a duplicate is held and trimmed when delivered.
	dupScan = 64
)

func (c *Conn) emit(k EventKind, d Direction, t time.Time, payload []byte, gap bool) {
	if c.stream == nil {
		if c.probe != nil {
			c.probe.keep(k, d, t, payload, gap, c.ttl)
		}
		return
	}
	// Field by field: a composite literal is built on the stack and copied
	// in 16-byte moves over its 1-byte fields, a store-forwarding stall
	// (the hottest instruction of the tracker).
	e := c.ev
	e.Kind, e.Dir, e.Time, e.Payload, e.Gap, e.TTL = k, d, t, payload, gap, c.ttl
	c.stream.Event(c, e)
}

// data handles a segment's payload in direction d: seq is its first
// sequence number, payload the captured bytes and wire the length it had
// on the wire (larger when a snap length cut it).
func (c *Conn) data(d Direction, seq uint32, payload []byte, wire int, t time.Time) {
	h := &c.half[d]
	if !h.nextKnown {
		h.next, h.nextKnown = seq, true
	}
	rel := int64(int32(seq - h.next))
	if rel+int64(wire) <= 0 {
		if wire > 0 {
			c.hist.add(d, 'T') // nothing new: a retransmission
		}
		return
	}
	if rel < 0 { // overlaps what was delivered: keep only the new bytes
		c.hist.add(d, 'T')
		trim := int(-rel)
		if trim < len(payload) {
			payload = payload[trim:]
		} else {
			payload = nil
		}
		wire -= trim
		seq, rel = h.next, 0
	}
	if rel > 0 {
		c.hold(d, seq, payload, wire, t)
		return
	}
	c.deliver(d, payload, wire, t)
	c.drain(d, t)
}

// deliver passes in-order bytes on and advances the direction.
func (c *Conn) deliver(d Direction, payload []byte, wire int, t time.Time) {
	h := &c.half[d]
	if len(payload) > 0 {
		c.emit(EventData, d, t, payload, h.gapPending)
		h.gapPending = false
		h.bytes += uint64(len(payload))
	}
	h.next += uint32(wire)
	if wire > len(payload) {
		// The snap length cut the segment: say so now, with an event
		// without payload, so that a line it ends is not read as one
		// with what comes next.
		h.missed += uint64(wire - len(payload))
		c.hist.add(d, 'G')
		c.emit(EventData, d, t, nil, true)
	}
}

// hold keeps a copy of an out-of-order segment, in h.ooo, a min-heap by
// sequence number (relative to h.next, which all held segments are past).
func (c *Conn) hold(d Direction, seq uint32, payload []byte, wire int, t time.Time) {
	h := &c.half[d]
	if len(h.ooo) <= dupScan {
		for _, p := range h.ooo {
			if p.seq == seq && p.wire >= wire {
				c.hist.add(d, 'T')
				return
			}
		}
	}
	h.ooo = append(h.ooo, pending{seq: seq, data: append([]byte(nil), payload...), wire: wire})
	h.up(len(h.ooo) - 1)
	h.oooBytes += len(payload) + pendingOverhead
	if h.oooBytes > maxPendingBytes {
		c.skipToPending(d, true)
		c.drain(d, t)
	}
}

// before orders held segments by sequence number past h.next.
func (h *half) before(i, j int) bool {
	return int32(h.ooo[i].seq-h.next) < int32(h.ooo[j].seq-h.next)
}

// up and down restore the heap order of h.ooo after element i changed.
func (h *half) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.before(i, p) {
			return
		}
		h.ooo[i], h.ooo[p] = h.ooo[p], h.ooo[i]
		i = p
	}
}

func (h *half) down(i int) {
	for n := len(h.ooo); ; {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.before(r, l) {
			m = r
		}
		if !h.before(m, i) {
			return
		}
		h.ooo[i], h.ooo[m] = h.ooo[m], h.ooo[i]
		i = m
	}
}

// popEarliest removes and returns the held segment with the lowest
// sequence number.
func (h *half) popEarliest() pending {
	p := h.ooo[0]
	last := len(h.ooo) - 1
	h.ooo[0] = h.ooo[last]
	h.ooo[last] = pending{}
	h.ooo = h.ooo[:last]
	if last > 0 {
		h.down(0)
	}
	h.oooBytes -= len(p.data) + pendingOverhead
	return p
}

// skipToPending declares the bytes before the earliest held segment lost:
// given up because the hold is full (they may still come), or missing
// from the capture (the connection is being closed).
func (c *Conn) skipToPending(d Direction, full bool) {
	h := &c.half[d]
	if len(h.ooo) == 0 {
		return
	}
	first := h.ooo[0].seq
	if full {
		h.gaveUp += uint64(first - h.next)
	} else {
		h.missed += uint64(first - h.next)
	}
	h.next = first
	h.gapPending = true
	c.hist.add(d, 'G')
}

// drain delivers held segments that have become in order, then a FIN
// whose turn has come.
func (c *Conn) drain(d Direction, t time.Time) {
	h := &c.half[d]
	for len(h.ooo) > 0 && int32(h.ooo[0].seq-h.next) <= 0 {
		p := h.popEarliest()
		rel := int64(int32(p.seq - h.next))
		if rel+int64(p.wire) <= 0 {
			continue // all of it was delivered already
		}
		trim := int(-rel)
		data := p.data
		if trim < len(data) {
			data = data[trim:]
		} else {
			data = nil
		}
		c.deliver(d, data, p.wire-trim, t)
	}
	if len(h.ooo) == 0 {
		h.ooo = nil
	}
	c.maybeFIN(d, t)
}

// maybeFIN delivers the direction's FIN once every byte before it has
// been delivered.
func (c *Conn) maybeFIN(d Direction, t time.Time) {
	h := &c.half[d]
	if h.fin && !h.finSent && int32(h.finSeq-h.next) <= 0 {
		h.finSent = true
		c.emit(EventFIN, d, t, nil, false)
	}
}

// flush delivers whatever is held, declaring gaps, and any FIN still
// waiting: the connection is about to be closed.
func (c *Conn) flush(t time.Time) {
	for d := ClientToServer; d <= ServerToClient; d++ {
		for len(c.half[d].ooo) > 0 {
			c.skipToPending(d, false)
			c.drain(d, t)
		}
		h := &c.half[d]
		if h.fin && !h.finSent {
			gap := h.gapPending
			if h.nextKnown && int32(h.finSeq-h.next) > 0 {
				h.missed += uint64(h.finSeq - h.next) // a hole before the FIN
				gap = true
			}
			h.finSent = true
			c.emit(EventFIN, d, t, nil, gap)
		}
	}
}
