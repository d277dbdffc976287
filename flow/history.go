package flow

// History letters, in Zeek's conn.log notation: upper case for the client
// (originator), lower case for the server (responder). Each letter is
// recorded once per direction, in the order first seen.
//
//	S  SYN without ACK          H  SYN with ACK
//	A  pure ACK                 D  packet with payload
//	F  FIN                      R  RST
//	T  retransmitted payload    G  content gap (bytes missing)
//	W  zero window              Q  SYN with FIN or RST ("multi-flag")
//	^  the first packet seen came from the server
type history struct {
	buf  [24]byte
	n    uint8
	seen [2]uint32 // bitmask of letters recorded, per direction
}

func (h *history) add(d Direction, c byte) {
	bit := uint32(1) << (c - 'A')
	if h.seen[d]&bit != 0 {
		return
	}
	h.seen[d] |= bit
	if d == ServerToClient {
		c += 'a' - 'A'
	}
	if int(h.n) < len(h.buf) {
		h.buf[h.n] = c
		h.n++
	}
}

func (h *history) flip() {
	if int(h.n) < len(h.buf) {
		h.buf[h.n] = '^'
		h.n++
	}
}

func (h *history) String() string { return string(h.buf[:h.n]) }
