package flow

import (
	"cmp"
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/esaflow/esaflow/capture"
)

// Config sets up a Tracker.
type Config struct {
	// Ports are the SMTP server ports: every connection to them is
	// reported, whatever its content.
	Ports Ports
	// AnyPort also follows TCP connections on every other port, from
	// their handshake, and reports those whose content shows SMTP (see
	// probe.go); the others cost a table lookup a packet once their
	// first payload showed they are not SMTP.
	AnyPort bool
	// IdleTimeout closes a connection with no packet for this long, in
	// packet time. Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxConns bounds the open connections kept; past it the least
	// recently active one is closed (CloseEvicted). Zero means
	// DefaultMaxConns.
	MaxConns int
	// Tap, when set, sees every TCP segment the Tracker applies, just
	// after applying it, with the connection it went to: nil when a
	// connection decided earlier absorbed it (a late ACK, a RST after a
	// RST; its tomb keeps only its key), a Conn whose ID is 0 while it is
	// a probe not yet known to be SMTP (see Config.AnyPort). The Conn and
	// the segment are the Tracker's, valid during the call only. esaflow
	// show draws its ladders from it.
	Tap func(c *Conn, seg *Segment)
	// ResetHold is how long, in packet time, a connection torn down by a
	// RST waits before it is decided, so that packets its "sender" still
	// sends afterwards (EventAfterRST: a sign the RST was forged) are
	// seen. Zero means DefaultResetHold; a negative value decides at the
	// RST.
	ResetHold time.Duration
}

// Defaults for Config.
const (
	DefaultIdleTimeout = 10 * time.Minute
	DefaultMaxConns    = 1 << 20
	// DefaultResetHold covers a server's first retransmission (Linux:
	// 200 ms at least) after a reset forged in its name.
	DefaultResetHold = time.Second
	// linger is how long a closed connection's key is remembered, so that
	// packets after its teardown (the last ACK, a RST after a RST) are
	// absorbed instead of starting a new connection.
	linger = 30 * time.Second
	// sweepEvery is how often, in packet time, idle connections are looked
	// for.
	sweepEvery = time.Second
	// maxLingering bounds the decided connections remembered for linger:
	// on a busy gateway's capture the oldest are forgotten first, so memory
	// follows the open connections, not the file; the bound still covers
	// the linger time at a busy gateway's teardown rate, and late packets
	// come within a round trip or two (docs/performance.md). What is
	// remembered is a tomb, not the connection.
	maxLingering = 1 << 14
)

// Horizon is how long, in packet time, a Tracker's state outlives its
// last packet: a TCP segment on an SMTP port that comes more than Horizon
// after every earlier one decides every open connection as idle and
// forgets every decided one before it is processed. From there the
// Tracker behaves as a new one would (apart from its counts and
// connection numbers), which is what lets inputs separated by more than
// Horizon be tracked apart; see Tracker.ExpireAll.
func (c Config) Horizon() time.Duration {
	idle := c.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	return max(idle, linger)
}

// Stats counts what the Tracker saw.
type Stats struct {
	Packets     uint64 // frames given to Packet
	TCPPackets  uint64 // TCP segments on an SMTP port
	Ignored     uint64 // frames that are not TCP, or TCP on other ports
	Malformed   uint64 // frames whose headers could not be decoded
	Truncated   uint64 // segments whose payload the snap length cut
	Connections uint64
	Evicted     uint64
	// GaveUp counts the payload bytes given up, over all connections,
	// when the out-of-order data held for a direction passed its bound
	// (see ConnInfo.GaveUp), and GaveUpConns the connections it happened to.
	GaveUp      uint64
	GaveUpConns uint64
}

// Add adds the counts of o to s, for inputs tracked apart.
func (s *Stats) Add(o Stats) {
	s.Packets += o.Packets
	s.TCPPackets += o.TCPPackets
	s.Ignored += o.Ignored
	s.Malformed += o.Malformed
	s.Truncated += o.Truncated
	s.Connections += o.Connections
	s.Evicted += o.Evicted
	s.GaveUp += o.GaveUp
	s.GaveUpConns += o.GaveUpConns
}

// connKey identifies a connection whichever way a packet travels: the two
// endpoints in a fixed order. It is packed without padding or pointers
// (netip.AddrPort has both), so that the connection table hashes and
// compares it as plain memory: with the struct of two AddrPorts, hashing
// and comparing keys was a third of the time of tracking 100,000 open
// connections.
type connKey struct {
	lo, hi         [16]byte // addresses, IPv4 ones in their IPv4-mapped form
	loPort, hiPort uint16
	v4             uint16 // 1 for IPv4, which tells 192.0.2.1 from ::ffff:192.0.2.1
}

func makeKey(a, b netip.AddrPort) connKey {
	k := connKey{lo: a.Addr().As16(), hi: b.Addr().As16(), loPort: a.Port(), hiPort: b.Port()}
	if a.Addr().Is4() {
		k.v4 = 1
	}
	k.order()
	return k
}

// order puts the smaller endpoint (address, then port) first, so that
// both directions of a connection have one key.
func (k *connKey) order() {
	lh, ll := binary.BigEndian.Uint64(k.lo[:8]), binary.BigEndian.Uint64(k.lo[8:])
	hh, hl := binary.BigEndian.Uint64(k.hi[:8]), binary.BigEndian.Uint64(k.hi[8:])
	if lh > hh || lh == hh && (ll > hl || ll == hl && k.loPort > k.hiPort) {
		k.lo, k.hi = k.hi, k.lo
		k.loPort, k.hiPort = k.hiPort, k.loPort
	}
}

// Tracker follows the TCP connections of SMTP traffic and feeds their
// events to Streams made by a StreamFactory.
//
// Lifecycle: call Packet for every frame in capture order, then Flush
// once at the end of the input; Flush closes every open connection. A
// Tracker is not safe for concurrent use.
type Tracker struct {
	cfg     Config
	factory StreamFactory
	conns   keyTable[Conn] // the open connections and the held ones
	tombs   keyTable[tomb] // the decided connections kept for linger
	open    list[Conn]     // not yet decided, least recently active first
	closed  list[tomb]     // torn down (held, or decided and kept for linger), oldest first
	held    []*Conn        // torn down by a RST, in the closed list, not yet decided; oldest first
	spare   []*Conn        // decided, never held: reused by create
	spareT  []*tomb        // forgotten: reused by linger
	now     time.Time
	sweep   time.Time
	nextID  uint64
	stats   Stats
	seg     Segment
	ev      Event
}

// NewTracker returns a Tracker feeding streams made by f.
func NewTracker(cfg Config, f StreamFactory) *Tracker {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.ResetHold == 0 {
		cfg.ResetHold = DefaultResetHold
	}
	return &Tracker{cfg: cfg, factory: f}
}

// Stats returns the counts so far.
func (t *Tracker) Stats() Stats { return t.stats }

// Open returns the number of connections not yet decided.
func (t *Tracker) Open() int { return t.open.n }

// Packet decodes one frame and processes it. Frames that are not TCP on
// an SMTP port are counted and ignored; frames that cannot be decoded are
// counted as malformed. It never fails.
func (t *Tracker) Packet(p *capture.Packet) {
	t.Decoded(&t.seg, DecodePacket(p, &t.seg))
}

// Decoded processes a frame that DecodePacket decoded into seg, with the
// error it returned: exactly what Packet does with the frame. seg is
// read during the call only.
func (t *Tracker) Decoded(seg *Segment, err error) {
	t.stats.Packets++
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			t.stats.Malformed++
		} else {
			t.stats.Ignored++
		}
		return
	}
	t.Segment(seg)
}

// Segment processes one decoded TCP segment.
func (t *Tracker) Segment(seg *Segment) {
	listed := t.cfg.Ports.Has(seg.Dst.Port()) || t.cfg.Ports.Has(seg.Src.Port())
	if !listed && !t.cfg.AnyPort {
		t.stats.Ignored++
		return
	}
	t.stats.TCPPackets++
	if seg.Truncated {
		t.stats.Truncated++
	}
	if seg.Time.After(t.now) {
		t.now = seg.Time
		if !t.now.Before(t.sweep) {
			t.expire()
			t.sweep = t.now.Add(sweepEvery)
		}
	}
	key, h := seg.key, seg.hash
	if !seg.keyed {
		key = makeKey(seg.Src, seg.Dst)
		h = key.hash()
	}
	c := t.conns.get(&key, h)
	isSYN := seg.Flags&(FlagSYN|FlagACK) == FlagSYN
	if c == nil && t.tombs.n > 0 {
		if tb := t.tombs.get(&key, h); tb != nil {
			if !isSYN || tb.client != seg.Src {
				// A packet after the teardown of a decided connection:
				// absorbed, and the key kept as long again.
				if seg.Time.After(tb.end) {
					tb.end = seg.Time
				}
				t.tap(nil, seg)
				return
			}
			t.forget(tb) // port reuse: a fresh SYN after teardown
		}
	}
	if c != nil && isSYN && c.Client == seg.Src {
		cl := &c.half[ClientToServer]
		if c.phase == phaseHeld || (cl.syn && cl.isn != seg.Seq) {
			// Port reuse: a fresh SYN after teardown, or with a new ISN.
			t.drop(c, CloseReused)
			c = nil
		}
	}
	if c != nil && c.phase == phaseHeld {
		// Packets after a teardown by RST, while it is held: counted,
		// and the resetting side's own packets reported.
		d := c.dirOf(seg.Src)
		c.half[d].packets++
		if seg.Time.After(c.End) {
			c.End = seg.Time
		}
		if c.stream != nil && c.half[d].rst && seg.Flags&FlagRST == 0 {
			c.ttl = seg.TTL
			c.emit(EventAfterRST, d, seg.Time, nil, false)
		}
		t.tap(c, seg)
		return
	}
	if c == nil {
		if !listed && seg.Flags&FlagSYN == 0 {
			// Off the SMTP ports, connections are followed from their
			// handshake only: mid-stream, who is the client is unknown.
			t.stats.TCPPackets--
			t.stats.Ignored++
			return
		}
		c = t.create(key, h, seg, !listed)
	} else {
		t.open.moveToBack(c)
	}
	c.segment(seg)
	if p := c.probe; p != nil {
		switch p.state {
		case probeSMTP:
			t.confirm(c)
		case probeNotSMTP:
			t.decide(c, CloseTeardown)
			t.tap(c, seg)
			return
		}
	}
	if c.tornDown {
		if seg.Flags&FlagRST != 0 && t.cfg.ResetHold > 0 && c.phase == phaseOpen {
			t.hold(c)
		} else {
			t.decide(c, CloseTeardown)
		}
	}
	t.tap(c, seg)
}

// tap hands seg to Config.Tap, if set (see there).
func (t *Tracker) tap(c *Conn, seg *Segment) {
	if t.cfg.Tap != nil {
		t.cfg.Tap(c, seg)
	}
}

// hold moves a connection torn down by a RST to the closed list without
// deciding it yet: expire decides it once ResetHold has passed.
func (t *Tracker) hold(c *Conn) {
	c.to(phaseHeld)
	c.holdUntil = c.End.Add(t.cfg.ResetHold)
	t.linger(c)
	t.held = append(t.held, c)
}

// release decides the held connections whose hold is over (all of them
// when all is set).
func (t *Tracker) release(all bool) {
	n := 0
	for _, c := range t.held {
		if !all && t.now.Before(c.holdUntil) {
			break
		}
		n++
		if c.phase == phaseHeld { // not decided early (ports reused, pushed out)
			t.decide(c, CloseTeardown)
		}
	}
	clear(t.held[:n])
	t.held = t.held[n:]
	if len(t.held) == 0 {
		t.held = t.held[:0:0]
	}
}

// create starts tracking a connection whose first packet is seg; a probe
// (off the SMTP ports) gets its ID and Stream only once confirmed.
func (t *Tracker) create(key connKey, h uint64, seg *Segment, isProbe bool) *Conn {
	if t.open.n >= t.cfg.MaxConns && t.open.head != nil {
		t.stats.Evicted++
		t.drop(t.open.head, CloseEvicted)
	}
	var c *Conn
	if k := len(t.spare) - 1; k >= 0 {
		c, t.spare = t.spare[k], t.spare[:k]
	} else {
		c = new(Conn)
	}
	*c = Conn{} // then field by field: a literal copied over stalls (see Conn.emit)
	c.key, c.hash, c.Start, c.End, c.ev = key, h, seg.Time, seg.Time, &t.ev
	if t.clientIsSource(seg) {
		c.Client, c.Server = seg.Src, seg.Dst
	} else {
		c.Client, c.Server = seg.Dst, seg.Src
		c.hist.flip()
	}
	t.conns.put(c, h)
	t.open.pushBack(c)
	if isProbe {
		c.to(phaseProbing)
		c.probe = &probe{}
		return c
	}
	c.to(phaseOpen)
	t.nextID++
	t.stats.Connections++
	c.ID = t.nextID
	c.stream = t.factory.New(c)
	return c
}

// clientIsSource decides, for a connection's first packet, whether its
// sender is the client: the SYN sender; else the side not on an SMTP port;
// else the side that did not send a 3-digit reply.
func (t *Tracker) clientIsSource(seg *Segment) bool {
	switch seg.Flags & (FlagSYN | FlagACK) {
	case FlagSYN:
		return true
	case FlagSYN | FlagACK:
		return false
	}
	src, dst := t.cfg.Ports.Has(seg.Src.Port()), t.cfg.Ports.Has(seg.Dst.Port())
	if src != dst {
		return dst
	}
	return !looksLikeReply(seg.Payload)
}

// looksLikeReply reports whether b starts like an SMTP reply line.
func looksLikeReply(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	for _, ch := range b[:3] {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return b[3] == ' ' || b[3] == '-' || b[3] == '\r'
}

// decide hands a connection to its stream's Close and keeps its key for
// the linger time (its tomb). The Conn itself is done with when decide
// returns (create may reuse it): callers must not use it afterwards.
func (t *Tracker) decide(c *Conn, why CloseReason) *tomb {
	c.flush(c.End)
	if g := c.half[0].gaveUp + c.half[1].gaveUp; g > 0 && c.phase != phaseProbing {
		t.stats.GaveUp += g
		t.stats.GaveUpConns++
	}
	c.to(phaseDecided)
	if c.tomb == nil {
		t.linger(c)
	}
	tb := c.tomb
	if c.stream != nil {
		c.stream.Close(c, why)
		c.stream = nil
	}
	c.half[0].ooo, c.half[1].ooo = nil, nil
	t.bury(c)
	return tb
}

// drop decides a connection that is open or held and forgets it.
func (t *Tracker) drop(c *Conn, why CloseReason) {
	t.forget(t.decide(c, why))
}

// maxSpareConns bounds the forgotten connections kept for reuse.
const maxSpareConns = 1024

// expire closes connections idle for longer than the idle timeout and
// forgets closed ones whose linger time is over.
func (t *Tracker) expire() {
	t.release(false)
	for c := t.open.head; c != nil && t.now.Sub(c.End) > t.cfg.IdleTimeout; c = t.open.head {
		t.decide(c, CloseIdle)
	}
	for tb := t.closed.head; tb != nil && t.now.Sub(tb.lastSeen()) > linger && (tb.conn == nil || tb.conn.phase != phaseHeld); tb = t.closed.head {
		t.forget(tb)
	}
}

// ExpireAll decides the connections held after a RST (CloseTeardown),
// then every open connection as idle (CloseIdle), least recently active
// first, and forgets the decided ones: exactly what the
// next segment does when it comes more than Config.Horizon after the last
// one. Call it instead of Flush when the input goes on in another Tracker
// after such a gap.
func (t *Tracker) ExpireAll() {
	t.release(true) // the held resets first, as expire does
	for c := t.open.head; c != nil; c = t.open.head {
		t.decide(c, CloseIdle)
	}
	t.forgetClosed()
}

// forgetClosed forgets every decided connection.
func (t *Tracker) forgetClosed() {
	for tb := t.closed.head; tb != nil; tb = t.closed.head {
		t.forget(tb)
	}
}

// Flush closes every open connection, in the order they started, with
// CloseEndOfInput. Call it once when the input ends.
func (t *Tracker) Flush() {
	t.release(true)
	var open []*Conn
	for c := t.open.head; c != nil; c = c.next {
		open = append(open, c)
	}
	slices.SortFunc(open, func(a, b *Conn) int { return cmp.Compare(a.ID, b.ID) })
	for _, c := range open {
		t.decide(c, CloseEndOfInput)
	}
	t.forgetClosed()
}
