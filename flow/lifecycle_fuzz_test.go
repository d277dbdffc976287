package flow_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// lifecycleLog is a StreamFactory that writes every call the Tracker makes
// into a log, and checks the Stream lifecycle as it goes: events and one
// Close for each stream made, never after Close, always with the Conn the
// stream was made for. Every seventh connection (counted from base) gets
// no stream.
type lifecycleLog struct {
	t       *testing.T
	b       strings.Builder
	base    uint64 // subtracted from connection numbers in the log
	made    int
	closed  int
	skipped int
}

type lifecycleStream struct {
	l      *lifecycleLog
	id     uint64
	closed bool
}

func (l *lifecycleLog) New(c *flow.Conn) flow.Stream {
	if (c.ID-l.base)%7 == 3 {
		l.skipped++
		return nil
	}
	l.made++
	if c.ID > l.base {
		fmt.Fprintf(&l.b, "new %d %v>%v\n", c.ID-l.base, c.Client, c.Server)
	}
	return &lifecycleStream{l: l, id: c.ID}
}

func (s *lifecycleStream) Event(c *flow.Conn, e *flow.Event) {
	if s.closed || c.ID != s.id {
		s.l.t.Fatalf("event %v for connection %d on stream %d (closed %v)", e.Kind, c.ID, s.id, s.closed)
	}
	if s.id > s.l.base {
		fmt.Fprintf(&s.l.b, "ev %d %v %v %s %q gap=%v ttl=%d\n", s.id-s.l.base, e.Kind, e.Dir,
			e.Time.Format(time.RFC3339Nano), e.Payload, e.Gap, e.TTL)
	}
}

func (s *lifecycleStream) Close(c *flow.Conn, why flow.CloseReason) {
	if s.closed || c.ID != s.id {
		s.l.t.Fatalf("close for connection %d on stream %d (closed %v)", c.ID, s.id, s.closed)
	}
	s.closed = true
	s.l.closed++
	if s.id > s.l.base {
		i := c.Info()
		fmt.Fprintf(&s.l.b, "close %d %v %s %s %s %d/%d %d/%d %s..%s\n", s.id-s.l.base, why, i.History(), i.State(), i.ClosedBy(),
			i.Packets(flow.ClientToServer), i.Packets(flow.ServerToClient), i.Bytes(flow.ClientToServer), i.Bytes(flow.ServerToClient),
			i.Start.Format(time.RFC3339Nano), i.End.Format(time.RFC3339Nano))
	}
}

// feedFrames gives the segments to tr as frames (decoded, keyed on the
// way); feedSegments as hand-made Segments (keyed by the Tracker).
func feedFrames(tr *flow.Tracker, segs []pcaptest.Segment) {
	b := pcaptest.NewBuilder(pcaptest.RawIP)
	for _, s := range segs {
		b.Segment(s)
	}
	for _, p := range b.Packets {
		tr.Packet(&capture.Packet{Data: p.Data, Time: p.Time, Length: len(p.Data), LinkType: capture.LinkRaw})
	}
}

func feedSegments(tr *flow.Tracker, segs []pcaptest.Segment) {
	for _, s := range segs {
		var bits uint8
		for i, f := range []uint8{flow.FlagSYN, flow.FlagACK, flow.FlagFIN, flow.FlagRST, flow.FlagPSH} {
			if strings.ContainsRune(s.Flags, rune("SAFRP"[i])) {
				bits |= f
			}
		}
		ttl := s.TTL
		if ttl == 0 {
			ttl = pcaptest.DefaultTTL
		}
		tr.Segment(&flow.Segment{Src: netip.AddrPortFrom(s.Src.Addr, s.Src.Port), Dst: netip.AddrPortFrom(s.Dst.Addr, s.Dst.Port),
			Seq: s.Seq, Ack: s.Ack, Flags: bits, Window: 64240, TTL: ttl, Payload: s.Payload, Time: s.Time, WireLen: len(s.Payload)})
	}
}

// FuzzTrackerLifecycle sends arbitrary segments between a few endpoints
// (pcaptest.Arbitrary: handshakes, data in and out of order, FINs, RSTs,
// port reuse, gaps across the RST hold, the linger time and the idle
// timeout) through
// Trackers with a small connection table, and checks:
//   - the Stream lifecycle (one Close per stream, nothing after it, each
//     call with the stream's own Conn) and that Flush leaves nothing open;
//   - that frames (keyed by Decode) and hand-made Segments (keyed by the
//     Tracker) give the same calls;
//   - Config.Horizon's promise: after a first run of the same segments,
//     more than Horizon earlier, a Tracker (its table, its reused Conns
//     and tombs) gives the same calls as a new one, connection numbers
//     aside.
func FuzzTrackerLifecycle(f *testing.F) {
	// A handshake, a greeting, a client FIN; a RST and a late packet.
	f.Add(byte(2), byte(0), []byte{
		0, 1, 0, 0, 1, 4, 3, 0, 0, 1, 0, 2, 0, 0, 1, 4, 0x12, 0, 14, 1, 0, 0x16, 0, 20, 1,
		4, 0x0a, 0, 0, 5, 4, 2, 0, 0, 1, 1, 1, 0, 0, 230, 5, 0x12, 0, 0, 254, 0, 1, 0, 0, 255,
	})
	f.Add(byte(1), byte(1), []byte{0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 2, 1, 0, 0, 1, 3, 1, 0, 0, 1, 4, 8, 0, 0, 1})
	f.Fuzz(func(t *testing.T, maxConns, hold byte, data []byte) {
		if len(data) > 5*200 {
			return
		}
		cfg := flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts), MaxConns: int(maxConns%4) + 1}
		if hold&1 != 0 {
			cfg.ResetHold = -1
		}
		segs := pcaptest.Arbitrary(data, t0)
		run := func(feed func(*flow.Tracker, []pcaptest.Segment), prefix []pcaptest.Segment) string {
			l := &lifecycleLog{t: t}
			tr := flow.NewTracker(cfg, l)
			if prefix != nil {
				feed(tr, prefix)
				l.base = tr.Stats().Connections
				l.b.Reset()
			}
			feed(tr, segs)
			tr.Flush()
			if tr.Open() != 0 || l.closed != l.made || uint64(l.made+l.skipped) != tr.Stats().Connections {
				t.Fatalf("after Flush: %d open, %d streams made, %d closed, %d without a stream, %d connections",
					tr.Open(), l.made, l.closed, l.skipped, tr.Stats().Connections)
			}
			return l.b.String()
		}
		frames := run(feedFrames, nil)
		if got := run(feedSegments, nil); got != frames {
			t.Fatalf("hand-made segments:\n%s\nframes:\n%s", got, frames)
		}
		if len(segs) == 0 {
			return
		}
		span := segs[len(segs)-1].Time.Sub(t0)
		earlier := pcaptest.Arbitrary(data, t0.Add(-span-cfg.Horizon()-time.Second))
		if got := run(feedFrames, earlier); got != frames {
			t.Fatalf("after an earlier run beyond the horizon:\n%s\nnew tracker:\n%s", got, frames)
		}
	})
}
