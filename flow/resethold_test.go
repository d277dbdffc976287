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
