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

// fuzzEnds are the endpoints the lifecycle fuzzer's segments travel
// between: clients that share an address or a port (so keys differ in one
// field), both address families, and servers on two SMTP ports and on one
// that is not (ignored).
var (
	fuzzClients = []pcaptest.Endpoint{
		{Addr: netip.MustParseAddr("198.51.100.7"), Port: 40000},
		{Addr: netip.MustParseAddr("198.51.100.7"), Port: 40001},
		{Addr: netip.MustParseAddr("198.51.100.8"), Port: 40000},
		{Addr: netip.MustParseAddr("2001:db8::7"), Port: 40000},
	}
	fuzzServers4 = []pcaptest.Endpoint{
		{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25},
		{Addr: netip.MustParseAddr("192.0.2.25"), Port: 587},
		{Addr: netip.MustParseAddr("192.0.2.25"), Port: 8080},
	}
	fuzzServers6 = []pcaptest.Endpoint{
		{Addr: netip.MustParseAddr("2001:db8::25"), Port: 25},
		{Addr: netip.MustParseAddr("2001:db8::25"), Port: 587},
		{Addr: netip.MustParseAddr("2001:db8::25"), Port: 8080},
	}
)

const fuzzText = "220 mx ESMTP\r\nEHLO client.example\r\n250-mx\r\n250 PIPELINING\r\nMAIL FROM:<a@b>\r\n"

// fuzzSegment is one segment the lifecycle fuzzer sends.
type fuzzSegment struct {
	at       time.Time
	src, dst pcaptest.Endpoint
	flags    string
	bits     uint8
	seq, ack uint32
	payload  []byte
	ttl      uint8
}

// fuzzSegments turns fuzz input into segments, five bytes each: who sends
// to whom, the flags, how the sequence number relates to the sender's
// next one (in order, a retransmission, ahead, a new ISN), the payload
// length, and how long after the previous segment it comes (from a
// millisecond to past the idle timeout, across the RST hold and the
// linger time). The segments start at start.
func fuzzSegments(data []byte, start time.Time) []fuzzSegment {
	type pair struct{ c, s int }
	next := map[pair]*[2]uint32{}
	var out []fuzzSegment
	at := start
	for ; len(data) >= 5; data = data[5:] {
		b0, b1, b2, b3, b4 := data[0], data[1], data[2], data[3], data[4]
		ci, si := int(b0&3), int(b0>>3&3)%3
		cl := fuzzClients[ci]
		srv := fuzzServers4[si]
		if cl.Addr.Is6() {
			srv = fuzzServers6[si]
		}
		dir := int(b0 >> 2 & 1)
		src, dst := cl, srv
		if dir == 1 {
			src, dst = srv, cl
		}
		p := pair{ci, si}
		n := next[p]
		if n == nil {
			n = &[2]uint32{1000 * uint32(ci+1), 90000 * uint32(si+1)}
			next[p] = n
		}
		var flags string
		var bits uint8
		for i, f := range []struct {
			letter string
			bit    uint8
		}{{"S", flow.FlagSYN}, {"A", flow.FlagACK}, {"F", flow.FlagFIN}, {"R", flow.FlagRST}, {"P", flow.FlagPSH}} {
			if b1&(1<<i) != 0 {
				flags += f.letter
				bits |= f.bit
			}
		}
		size := int(b3) % 48
		payload := []byte(fuzzText[:size])
		seq := n[dir]
		switch b2 & 3 {
		case 1:
			seq -= uint32(size) + uint32(b2>>2)
		case 2:
			seq += uint32(b2>>2) * 8
		case 3:
			seq = uint32(b2) * 0x01000193
			n[dir] = seq
		}
		if bits&flow.FlagSYN != 0 && b2&3 == 0 {
			seq = n[dir] + 7777 // a new ISN for a new connection
			n[dir] = seq
		}
		adv := uint32(size)
		if bits&(flow.FlagSYN|flow.FlagFIN) != 0 {
			adv++
		}
		if b2&3 != 1 && seq+adv-n[dir] < 1<<30 {
			n[dir] = seq + adv
		}
		switch {
		case b4 < 200:
			at = at.Add(time.Duration(b4) * time.Millisecond)
		case b4 < 240:
			at = at.Add(time.Duration(b4-200) * 100 * time.Millisecond)
		case b4 < 255:
			at = at.Add(time.Duration(b4-240) * 5 * time.Second)
		default:
			at = at.Add(11 * time.Minute)
		}
		ttl := uint8(64)
		if b3 >= 240 {
			ttl = 50 // now and then another TTL, as a forged RST has
		}
		out = append(out, fuzzSegment{at: at, src: src, dst: dst, flags: flags, bits: bits,
			seq: seq, ack: n[1-dir], payload: payload, ttl: ttl})
	}
	return out
}

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
func feedFrames(tr *flow.Tracker, segs []fuzzSegment) {
	b := pcaptest.NewBuilder(pcaptest.RawIP)
	for _, s := range segs {
		b.Segment(pcaptest.Segment{Time: s.at, Src: s.src, Dst: s.dst, Flags: s.flags, Seq: s.seq, Ack: s.ack, Payload: s.payload, TTL: s.ttl})
	}
	for _, p := range b.Packets {
		tr.Packet(&capture.Packet{Data: p.Data, Time: p.Time, Length: len(p.Data), LinkType: capture.LinkRaw})
	}
}

func feedSegments(tr *flow.Tracker, segs []fuzzSegment) {
	for _, s := range segs {
		tr.Segment(&flow.Segment{Src: netip.AddrPortFrom(s.src.Addr, s.src.Port), Dst: netip.AddrPortFrom(s.dst.Addr, s.dst.Port),
			Seq: s.seq, Ack: s.ack, Flags: s.bits, Window: 64240, TTL: s.ttl, Payload: s.payload, Time: s.at, WireLen: len(s.payload)})
	}
}

// FuzzTrackerLifecycle sends arbitrary segments between a few endpoints
// (handshakes, data in and out of order, FINs, RSTs, port reuse, gaps
// across the RST hold, the linger time and the idle timeout) through
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
		0, 1, 0, 0, 1, 4, 3, 0, 0, 1, 0, 2, 0, 0, 1, 4, 0x1a, 0, 14, 1, 0, 0x16, 0, 20, 1,
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
		segs := fuzzSegments(data, t0)
		run := func(feed func(*flow.Tracker, []fuzzSegment), prefix []fuzzSegment) string {
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
		span := segs[len(segs)-1].at.Sub(t0)
		earlier := fuzzSegments(data, t0.Add(-span-cfg.Horizon()-time.Second))
		if got := run(feedFrames, earlier); got != frames {
			t.Fatalf("after an earlier run beyond the horizon:\n%s\nnew tracker:\n%s", got, frames)
		}
	})
}
