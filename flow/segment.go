package flow

import "net/netip"

// dirOf returns the direction of a packet sent by src.
func (c *Conn) dirOf(src netip.AddrPort) Direction {
	if src == c.Client {
		return ClientToServer
	}
	return ServerToClient
}

// setCloser records the first FIN or RST.
func (c *Conn) setCloser(d Direction, rst bool) {
	if !c.closer.set {
		c.closer = closeMark{set: true, dir: d, rst: rst}
	}
}

// segment applies one TCP segment to the connection, in capture order.
// It is the TCP state machine:
//
//	segment                 effect
//	SYN (client)            record ISN, EventSYN once (retransmissions: nothing)
//	SYN,ACK (server)        record ISN, EventSYNACK once
//	RST (server, no SYN,ACK yet, client SYN seen)
//	                        EventRefused: the port is closed; decided
//	RST (either)            EventRST; decided
//	ACK without payload     (client, after SYN,ACK) EventEstablished once
//	payload                 reassembled in order: EventData
//	FIN                     EventFIN after the bytes before it; decided
//	                        once both sides' FINs are delivered
func (c *Conn) segment(s *Segment) {
	d := c.dirOf(s.Src)
	h := &c.half[d]
	h.packets++
	c.ttl = s.TTL
	if s.Time.After(c.End) {
		c.End = s.Time
	}
	f := s.Flags
	if f&FlagSYN != 0 && f&(FlagFIN|FlagRST) != 0 {
		c.hist.add(d, 'Q')
	}
	switch {
	case f&FlagRST != 0:
		c.hist.add(d, 'R')
		if h.rst {
			return
		}
		h.rst = true
		c.setCloser(d, true)
		if d == ServerToClient && !c.synack && c.half[ClientToServer].syn {
			c.refused = true
			c.emit(EventRefused, d, s.Time, nil, false)
		} else {
			c.flush(s.Time)
			c.emit(EventRST, d, s.Time, nil, false)
		}
		c.tornDown = true
		return
	case f&FlagSYN != 0 && f&FlagACK == 0:
		c.hist.add(d, 'S')
		h.syns++
		if d == ClientToServer && !h.syn {
			h.syn, h.isn = true, s.Seq
			h.next, h.nextKnown = s.Seq+1, true
			c.emit(EventSYN, d, s.Time, nil, false)
		}
		return
	case f&FlagSYN != 0:
		c.hist.add(d, 'H')
		h.syns++
		if d == ServerToClient && !h.syn {
			h.syn, h.isn = true, s.Seq
			h.next, h.nextKnown = s.Seq+1, true
			c.synack = true
			c.emit(EventSYNACK, d, s.Time, nil, false)
		}
		return
	}
	if s.Window == 0 && f&FlagACK != 0 {
		c.hist.add(d, 'W')
	}
	if d == ClientToServer && c.synack && !c.established && f&FlagACK != 0 {
		c.established = true
		c.emit(EventEstablished, d, s.Time, nil, false)
	}
	if s.WireLen > 0 {
		c.hist.add(d, 'D')
		c.data(d, s.Seq, s.Payload, s.WireLen, s.Time)
	} else if f&(FlagACK|FlagFIN) == FlagACK {
		c.hist.add(d, 'A')
	}
	if f&FlagFIN != 0 {
		c.hist.add(d, 'F')
		if !h.fin {
			h.fin = true
			h.finSeq = s.Seq + uint32(s.WireLen)
			if !h.nextKnown {
				h.next, h.nextKnown = h.finSeq, true
			}
			c.setCloser(d, false)
			c.maybeFIN(d, s.Time)
		}
	}
	if c.half[0].finSent && c.half[1].finSent {
		c.tornDown = true
	}
}
