package flow

import "time"

// Bounds on out-of-order data held per direction. Past them, the missing
// bytes are declared a gap and delivery goes on: memory stays bounded on
// a capture that lost packets.
const (
	maxPendingSegments = 64
	maxPendingBytes    = 256 << 10
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

// hold keeps a copy of an out-of-order segment.
func (c *Conn) hold(d Direction, seq uint32, payload []byte, wire int, t time.Time) {
	h := &c.half[d]
	for _, p := range h.ooo {
		if p.seq == seq && p.wire >= wire {
			c.hist.add(d, 'T')
			return
		}
	}
	h.ooo = append(h.ooo, pending{seq: seq, data: append([]byte(nil), payload...), wire: wire})
	h.oooBytes += len(payload)
	if len(h.ooo) > maxPendingSegments || h.oooBytes > maxPendingBytes {
		c.skipToPending(d)
		c.drain(d, t)
	}
}

// skipToPending declares the bytes before the earliest held segment lost.
func (c *Conn) skipToPending(d Direction) {
	h := &c.half[d]
	if len(h.ooo) == 0 {
		return
	}
	first := h.ooo[0].seq
	for _, p := range h.ooo[1:] {
		if int32(p.seq-first) < 0 {
			first = p.seq
		}
	}
	h.missed += uint64(first - h.next)
	h.next = first
	h.gapPending = true
	c.hist.add(d, 'G')
}

// drain delivers held segments that have become in order, then a FIN
// whose turn has come.
func (c *Conn) drain(d Direction, t time.Time) {
	h := &c.half[d]
	for progress := true; progress && len(h.ooo) > 0; {
		progress = false
		for i := 0; i < len(h.ooo); i++ {
			p := h.ooo[i]
			rel := int64(int32(p.seq - h.next))
			if rel > 0 {
				continue
			}
			h.ooo = append(h.ooo[:i], h.ooo[i+1:]...)
			h.oooBytes -= len(p.data)
			i--
			if rel+int64(p.wire) <= 0 {
				continue
			}
			trim := int(-rel)
			data := p.data
			if trim < len(data) {
				data = data[trim:]
			} else {
				data = nil
			}
			c.deliver(d, data, p.wire-trim, t)
			progress = true
		}
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
			c.skipToPending(d)
			c.drain(d, t)
		}
		h := &c.half[d]
		if h.fin && !h.finSent {
			if h.nextKnown && int32(h.finSeq-h.next) > 0 {
				h.missed += uint64(h.finSeq - h.next) // a hole before the FIN
			}
			h.finSent = true
			c.emit(EventFIN, d, t, nil, h.gapPending)
		}
	}
}
