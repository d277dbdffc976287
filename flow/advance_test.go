package flow

import (
	"net/netip"
	"testing"
	"time"
)

// advanceCloses is a StreamFactory whose streams record why they closed.
type advanceCloses struct{ reasons []CloseReason }

func (r *advanceCloses) New(*Conn) Stream               { return r }
func (r *advanceCloses) Event(*Conn, *Event)            {}
func (r *advanceCloses) Close(_ *Conn, why CloseReason) { r.reasons = append(r.reasons, why) }

func TestAdvanceDecidesAQuietConnectionWithoutPackets(t *testing.T) {
	ports, err := ParsePorts("25")
	if err != nil {
		t.Fatal(err)
	}
	rec := &advanceCloses{}
	tr := NewTracker(Config{Ports: ports, IdleTimeout: time.Minute}, rec)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	client := netip.MustParseAddrPort("198.51.100.7:40000")
	server := netip.MustParseAddrPort("192.0.2.25:25")
	tr.Segment(&Segment{Src: client, Dst: server, Seq: 1000, Flags: FlagSYN, Time: t0})
	tr.Segment(&Segment{Src: server, Dst: client, Seq: 5000, Ack: 1001, Flags: FlagSYN | FlagACK, Time: t0.Add(time.Millisecond)})

	tr.Advance(t0.Add(30 * time.Second))
	if len(rec.reasons) != 0 || tr.Open() != 1 {
		t.Fatalf("decided before the idle timeout: %v, open %d", rec.reasons, tr.Open())
	}
	tr.Advance(t0.Add(10 * time.Second)) // the clock never goes back
	tr.Advance(t0.Add(2 * time.Minute))
	if len(rec.reasons) != 1 || rec.reasons[0] != CloseIdle || tr.Open() != 0 {
		t.Fatalf("after the idle timeout: closes %v, open %d", rec.reasons, tr.Open())
	}
	tr.Flush()
	if len(rec.reasons) != 1 {
		t.Errorf("Flush closed the connection again: %v", rec.reasons)
	}
}
