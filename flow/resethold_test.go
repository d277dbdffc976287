package flow

import (
	"net/netip"
	"testing"
	"time"
)

// holdRecorder records the kinds of events and the close of one stream.
type holdRecorder struct {
	kinds  []EventKind
	ttls   []uint8
	closes []CloseReason
}

func (r *holdRecorder) New(*Conn) Stream { return r }
func (r *holdRecorder) Event(_ *Conn, e *Event) {
	r.kinds = append(r.kinds, e.Kind)
	r.ttls = append(r.ttls, e.TTL)
}
func (r *holdRecorder) Close(_ *Conn, why CloseReason) { r.closes = append(r.closes, why) }

// forgedResetSession plays a session whose server "sends" a RST with an
// odd TTL and then retransmits its last reply, as happens when a
// firewall forges the reset and the server never knew.
func forgedResetSession(tr *Tracker, t0 time.Time) {
	client := netip.MustParseAddrPort("198.51.100.40:40000")
	server := netip.MustParseAddrPort("192.0.2.25:25")
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	greeting := []byte("220 mx ESMTP\r\n")
	tr.Segment(&Segment{Src: client, Dst: server, Seq: 1000, Flags: FlagSYN, TTL: 64, Time: at(0)})
	tr.Segment(&Segment{Src: server, Dst: client, Seq: 5000, Ack: 1001, Flags: FlagSYN | FlagACK, TTL: 63, Time: at(1)})
	tr.Segment(&Segment{Src: client, Dst: server, Seq: 1001, Ack: 5001, Flags: FlagACK, TTL: 64, Time: at(2)})
	tr.Segment(&Segment{Src: server, Dst: client, Seq: 5001, Ack: 1001, Flags: FlagACK | FlagPSH, TTL: 63, Payload: greeting, WireLen: len(greeting), Time: at(3)})
	tr.Segment(&Segment{Src: server, Dst: client, Seq: 5015, Flags: FlagRST, TTL: 64, Time: at(10)})
	tr.Segment(&Segment{Src: server, Dst: client, Seq: 5001, Ack: 1001, Flags: FlagACK | FlagPSH, TTL: 63, Payload: greeting, WireLen: len(greeting), Time: at(210)})
	tr.Segment(&Segment{Src: client, Dst: server, Seq: 1001, Flags: FlagRST, TTL: 64, Time: at(211)})
}

func TestResetHoldReportsTheServerStillSending(t *testing.T) {
	rec := &holdRecorder{}
	tr := NewTracker(Config{Ports: MustParsePorts("25")}, rec)
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	forgedResetSession(tr, t0)
	if len(rec.closes) != 0 {
		t.Fatalf("decided during the hold: %v", rec.closes)
	}
	n := len(rec.kinds)
	if n < 2 || rec.kinds[n-2] != EventRST || rec.kinds[n-1] != EventAfterRST || rec.ttls[n-1] != 63 {
		t.Fatalf("events %v ttls %v", rec.kinds, rec.ttls)
	}
	tr.Advance(t0.Add(3 * time.Second))
	if len(rec.closes) != 1 || rec.closes[0] != CloseTeardown {
		t.Fatalf("after the hold: closes %v", rec.closes)
	}
	tr.Flush()
	if len(rec.closes) != 1 {
		t.Errorf("decided twice: %v", rec.closes)
	}
}

func TestNegativeResetHoldDecidesAtTheRST(t *testing.T) {
	rec := &holdRecorder{}
	tr := NewTracker(Config{Ports: MustParsePorts("25"), ResetHold: -1}, rec)
	forgedResetSession(tr, time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC))
	if len(rec.closes) != 1 || rec.kinds[len(rec.kinds)-1] != EventRST {
		t.Fatalf("closes %v, events %v", rec.closes, rec.kinds)
	}
}

func TestFlushDecidesAHeldReset(t *testing.T) {
	rec := &holdRecorder{}
	tr := NewTracker(Config{Ports: MustParsePorts("25")}, rec)
	forgedResetSession(tr, time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC))
	tr.Flush()
	if len(rec.closes) != 1 || rec.closes[0] != CloseTeardown {
		t.Fatalf("closes %v", rec.closes)
	}
}

// perConn records the closes of each connection by ID.
type perConn struct{ closes map[uint64][]CloseReason }

type perConnStream struct {
	p  *perConn
	id uint64
}

func (p *perConn) New(c *Conn) Stream        { return &perConnStream{p, c.ID} }
func (s *perConnStream) Event(*Conn, *Event) {}
func (s *perConnStream) Close(c *Conn, why CloseReason) {
	if c.ID != s.id {
		panic("a stream was closed with another connection")
	}
	s.p.closes[s.id] = append(s.p.closes[s.id], why)
}

// TestPortReuseDuringAResetHold resets a connection, then reuses its
// address and port pair within the hold for a session that lasts longer:
// the held connection is decided when the new SYN comes (port reused),
// and the new one only at its own teardown, not when the old hold runs
// out. The held connection's memory must not serve the new connection
// while the hold list still points to it.
func TestPortReuseDuringAResetHold(t *testing.T) {
	rec := &perConn{closes: map[uint64][]CloseReason{}}
	tr := NewTracker(Config{Ports: MustParsePorts("25")}, rec)
	client := netip.MustParseAddrPort("198.51.100.40:40000")
	server := netip.MustParseAddrPort("192.0.2.25:25")
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	seg := func(ms int, fromClient bool, seq, ack uint32, flags uint8) {
		s := Segment{Src: client, Dst: server, Seq: seq, Ack: ack, Flags: flags, TTL: 64, Time: at(ms)}
		if !fromClient {
			s.Src, s.Dst = server, client
		}
		tr.Segment(&s)
	}
	seg(0, true, 1000, 0, FlagSYN)
	seg(1, false, 5000, 1001, FlagSYN|FlagACK)
	seg(2, true, 1001, 5001, FlagACK)
	seg(3, false, 5001, 1001, FlagRST)
	// The same pair again, a new ISN, 100 ms later: it lasts 3 s.
	seg(100, true, 9000, 0, FlagSYN)
	seg(101, false, 7000, 9001, FlagSYN|FlagACK)
	for ms := 102; ms < 3100; ms += 300 {
		seg(ms, true, 9001, 7001, FlagACK)
	}
	if got := rec.closes[2]; len(got) != 0 {
		t.Fatalf("the new connection was decided while open: %v", got)
	}
	seg(3200, true, 9001, 7001, FlagFIN|FlagACK)
	seg(3201, false, 7001, 9002, FlagFIN|FlagACK)
	if got := rec.closes[1]; len(got) != 1 || got[0] != CloseReused {
		t.Errorf("the reset connection: closes %v, want port reused", got)
	}
	if got := rec.closes[2]; len(got) != 1 || got[0] != CloseTeardown {
		t.Errorf("the new connection: closes %v, want one teardown", got)
	}
	tr.Flush()
}
