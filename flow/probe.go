package flow

import (
	"bytes"
	"time"
)

// A connection on a port outside Config.Ports is followed only when
// Config.AnyPort is set, from its handshake, as a probe: its events are
// kept (payloads copied, bounded) but no Stream sees them until its
// content shows SMTP, as Zeek's protocol detection wants both sides to
// fit: the server's first payload must start like an SMTP greeting line
// (220, or a 4xx or 5xx refusal) and the client's first payload, after
// it, with HELO, EHLO or QUIT; a greeting that carries an enhanced status
// code or the word SMTP is enough alone. Then the connection gets its ID and its
// Stream, and the kept events are replayed to it. A probe that fails
// either check, or ends before both, is dropped at once without a
// Stream and remembered as a tomb, so that the rest of a bulk transfer
// costs one table lookup a packet.

// probeState is how far a probe's content check got.
type probeState uint8

const (
	probeWaiting probeState = iota // no payload yet
	probeGreeted                   // the server's first payload fits an SMTP greeting
	probeSMTP                      // the client's first command fits too: SMTP
	probeNotSMTP                   // a check failed, or the kept events overflowed
)

// Bounds on what a probe keeps before its content is known.
const (
	maxProbeEvents = 8
	maxProbeBytes  = 2048
)

// probe holds a probe connection's events until its content is known.
type probe struct {
	state  probeState
	events []Event // payloads point into data
	data   []byte
}

// keep records one event of a probe connection and moves its check on.
func (p *probe) keep(k EventKind, d Direction, t time.Time, payload []byte, gap bool, ttl uint8) {
	if p.state == probeNotSMTP {
		return
	}
	if k == EventData && len(payload) > 0 {
		p.check(d, payload)
		if p.state == probeNotSMTP {
			return
		}
	}
	if len(p.events) == maxProbeEvents || len(p.data)+len(payload) > maxProbeBytes {
		p.state = probeNotSMTP // too much before the check ends: not a dialogue SMTP starts with
		return
	}
	at := len(p.data)
	p.data = append(p.data, payload...)
	p.events = append(p.events, Event{Kind: k, Dir: d, Time: t, Gap: gap, TTL: ttl})
	if len(payload) > 0 {
		p.events[len(p.events)-1].Payload = p.data[at:len(p.data):len(p.data)]
	}
}

// check applies the content check to a payload in direction d.
func (p *probe) check(d Direction, b []byte) {
	switch {
	case p.state == probeWaiting && d == ServerToClient && looksLikeGreeting(b):
		p.state = probeGreeted
		if greetingNamesSMTP(b) {
			// Enough alone: a refusing server often closes before the
			// client says a word.
			p.state = probeSMTP
		}
	case p.state == probeGreeted && d == ServerToClient:
		// More of the server's greeting or replies: the client decides.
	case p.state == probeGreeted && d == ClientToServer && startsWithGreetingCommand(b):
		p.state = probeSMTP
	default:
		p.state = probeNotSMTP
	}
}

// looksLikeGreeting reports whether b starts like an SMTP greeting line:
// 220, or a 4xx or 5xx code, then a space, a hyphen or the line's end.
func looksLikeGreeting(b []byte) bool {
	if !looksLikeReply(b) {
		return false
	}
	return b[0] == '4' || b[0] == '5' || b[0] == '2' && b[1] == '2' && b[2] == '0'
}

// greetingNamesSMTP reports whether a greeting line carries what only
// SMTP puts there: an RFC 3463 enhanced status code after the reply code
// ("554 5.7.1 ..."), or the word SMTP (as in "ESMTP") in its text.
func greetingNamesSMTP(b []byte) bool {
	line := b
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if len(line) >= 9 && line[4] == line[0] && line[5] == '.' && line[6] >= '0' && line[6] <= '9' {
		return true
	}
	for i := 4; i+4 <= len(line); i++ {
		if bytes.EqualFold(line[i:i+4], []byte("SMTP")) {
			return true
		}
	}
	return false
}

// greetingCommands are the commands an SMTP client opens with.
var greetingCommands = [][]byte{[]byte("EHLO"), []byte("HELO"), []byte("QUIT")}

// startsWithGreetingCommand reports whether b starts with EHLO, HELO or
// QUIT (any case), then a space or the line's end.
func startsWithGreetingCommand(b []byte) bool {
	if len(b) < 5 || b[4] != ' ' && b[4] != '\r' && b[4] != '\n' {
		return false
	}
	for _, c := range greetingCommands {
		if bytes.EqualFold(b[:4], c) {
			return true
		}
	}
	return false
}

// confirm makes a probe that showed SMTP a connection like any other: its
// ID, its Stream, and the events kept so far replayed to it.
func (t *Tracker) confirm(c *Conn) {
	p := c.probe
	c.probe = nil
	c.to(phaseOpen)
	t.nextID++
	t.stats.Connections++
	c.ID = t.nextID
	c.stream = t.factory.New(c)
	for i := range p.events {
		if c.stream == nil {
			return
		}
		e := c.ev
		*e = p.events[i]
		c.stream.Event(c, e)
	}
}

// Watches reports whether a TCP segment between the two ports is looked
// at: either port is an SMTP port, or Config.AnyPort is set.
func (c Config) Watches(a, b uint16) bool {
	return c.AnyPort || c.Ports.Has(a) || c.Ports.Has(b)
}
