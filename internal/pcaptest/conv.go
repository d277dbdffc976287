package pcaptest

import "time"

// Conv tracks the sequence numbers of one TCP connection so tests read like
// a ladder diagram. Each sending method appends one segment on the
// Builder's current interface and advances the sender's next sequence
// number as TCP would: SYN and FIN count one, payload counts its length.
// Acknowledgment numbers are always the peer's next sequence number.
type Conv struct {
	// TTL, when non-zero, overrides Builder.TTL for segments this Conv
	// appends, for example to forge a reset that arrives with another TTL.
	TTL uint8

	b                    *Builder
	client, server       Endpoint
	clientISN, serverISN uint32
	clientNext           uint32 // next sequence number the client sends
	serverNext           uint32 // next sequence number the server sends
}

// Conv starts tracking a connection between client and server whose initial
// sequence numbers are clientISN and serverISN. It appends nothing.
func (b *Builder) Conv(client, server Endpoint, clientISN, serverISN uint32) *Conv {
	return &Conv{
		b: b, client: client, server: server,
		clientISN: clientISN, serverISN: serverISN,
		clientNext: clientISN, serverNext: serverISN,
	}
}

// ClientSeq returns the absolute sequence number the client sends next.
func (c *Conv) ClientSeq() uint32 { return c.clientNext }

// ServerSeq returns the absolute sequence number the server sends next.
func (c *Conv) ServerSeq() uint32 { return c.serverNext }

// ClientRel is the client's next sequence number counted from its first
// data byte, the origin ClientAt takes.
func (c *Conv) ClientRel() uint32 { return c.clientNext - c.clientISN - 1 }

// SkipClient advances the client's sequence by n without appending a
// segment, as if n bytes were sent but never captured. ClientAt can emit
// the missing bytes later, out of order.
func (c *Conv) SkipClient(n uint32) { c.clientNext += n }

// SkipServer advances the server's sequence by n without appending a
// segment; see SkipClient.
func (c *Conv) SkipServer(n uint32) { c.serverNext += n }

// fromClient appends a client segment with the given sequence number.
func (c *Conv) fromClient(t time.Time, flags string, seq, ack uint32, payload string) {
	c.b.Segment(Segment{Time: t, Src: c.client, Dst: c.server, Flags: flags,
		Seq: seq, Ack: ack, Payload: []byte(payload), TTL: c.TTL})
}

// fromServer appends a server segment with the given sequence number.
func (c *Conv) fromServer(t time.Time, flags string, seq, ack uint32, payload string) {
	c.b.Segment(Segment{Time: t, Src: c.server, Dst: c.client, Flags: flags,
		Seq: seq, Ack: ack, Payload: []byte(payload), TTL: c.TTL})
}

// SYN appends the client's SYN (ack number zero) and consumes one client
// sequence number.
func (c *Conv) SYN(t time.Time) {
	c.fromClient(t, "S", c.clientNext, 0, "")
	c.clientNext++
}

// SYNACK appends the server's SYN,ACK and consumes one server sequence
// number.
func (c *Conv) SYNACK(t time.Time) {
	c.fromServer(t, "SA", c.serverNext, c.clientNext, "")
	c.serverNext++
}

// ACK appends a pure ACK from the client.
func (c *Conv) ACK(t time.Time) {
	c.fromClient(t, "A", c.clientNext, c.serverNext, "")
}

// ServerACK appends a pure ACK from the server.
func (c *Conv) ServerACK(t time.Time) {
	c.fromServer(t, "A", c.serverNext, c.clientNext, "")
}

// Client appends a PSH,ACK carrying payload from the client and advances
// the client's sequence by its length.
func (c *Conv) Client(t time.Time, payload string) {
	c.fromClient(t, "PA", c.clientNext, c.serverNext, payload)
	c.clientNext += uint32(len(payload))
}

// Server appends a PSH,ACK carrying payload from the server and advances
// the server's sequence by its length.
func (c *Conv) Server(t time.Time, payload string) {
	c.fromServer(t, "PA", c.serverNext, c.clientNext, payload)
	c.serverNext += uint32(len(payload))
}

// ClientAt appends a client PSH,ACK carrying payload at sequence relSeq,
// counted from the first data byte (client ISN + 1), without changing any
// state. Use it for retransmissions, overlaps and out-of-order delivery.
func (c *Conv) ClientAt(t time.Time, relSeq uint32, payload string) {
	c.fromClient(t, "PA", c.clientISN+1+relSeq, c.serverNext, payload)
}

// ServerAt appends a server PSH,ACK carrying payload at sequence relSeq,
// counted from server ISN + 1, without changing any state.
func (c *Conv) ServerAt(t time.Time, relSeq uint32, payload string) {
	c.fromServer(t, "PA", c.serverISN+1+relSeq, c.clientNext, payload)
}

// ClientFIN appends a FIN,ACK from the client and consumes one client
// sequence number.
func (c *Conv) ClientFIN(t time.Time) {
	c.fromClient(t, "FA", c.clientNext, c.serverNext, "")
	c.clientNext++
}

// ServerFIN appends a FIN,ACK from the server and consumes one server
// sequence number.
func (c *Conv) ServerFIN(t time.Time) {
	c.fromServer(t, "FA", c.serverNext, c.clientNext, "")
	c.serverNext++
}

// ClientRST appends a RST,ACK from the client at its next sequence number.
func (c *Conv) ClientRST(t time.Time) {
	c.fromClient(t, "RA", c.clientNext, c.serverNext, "")
}

// ServerRST appends a RST,ACK from the server at its next sequence number.
func (c *Conv) ServerRST(t time.Time) {
	c.fromServer(t, "RA", c.serverNext, c.clientNext, "")
}

// ServerRSTToSYN appends the answer of a closed port to the client's SYN,
// as Linux sends it: RST,ACK with sequence zero and ack client ISN + 1.
func (c *Conv) ServerRSTToSYN(t time.Time) {
	c.fromServer(t, "RA", 0, c.clientISN+1, "")
}
