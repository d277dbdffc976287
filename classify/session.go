package classify

import (
	"bytes"
	"fmt"
	"time"

	"github.com/esaflow/esaflow/classify/tlsdecrypt"
	"github.com/esaflow/esaflow/flow"
)

// Classifier turns connections into Records. It is a flow.StreamFactory:
// it makes one session per connection and calls Emit with the connection's
// Record when the connection is decided (its teardown seen, or the input
// ended, or it went idle).
//
// The *Record passed to Emit is the caller's to keep.
type Classifier struct {
	emit func(*Record)
	keys *tlsdecrypt.KeyLog
}

// NewClassifier returns a Classifier that reports each decided connection to emit.
func NewClassifier(emit func(*Record)) *Classifier { return &Classifier{emit: emit} }

// DecryptWith makes the Classifier decrypt TLS sessions whose secrets keys
// holds (see package tlsdecrypt) and follow the SMTP dialogue inside them;
// it returns c. keys may grow while connections are classified.
func (c *Classifier) DecryptWith(keys *tlsdecrypt.KeyLog) *Classifier {
	c.keys = keys
	return c
}

// New implements flow.StreamFactory.
func (c *Classifier) New(conn *flow.Conn) flow.Stream {
	return &session{emit: c.emit, keys: c.keys}
}

// Machine is the verdict machine of one connection, for a caller that
// runs it on another goroutine than the Tracker's (the engine's workers):
// the caller hands it the connection's events (Event's payload is the
// caller's, valid during the call) and, at the end, the connection's
// snapshot, and gets the Record back. One goroutine at a time may use a
// Machine; Reset makes it ready for another connection.
type Machine struct{ s *session }

// NewMachine returns the state for one new connection. Its Record goes to
// the Session's caller (Close returns it), not to the Classifier's emit.
func (c *Classifier) NewMachine() Machine { return Machine{&session{keys: c.keys}} }

// Event handles one event of the connection, in capture order.
func (s Machine) Event(e *flow.Event) { s.s.Event(nil, e) }

// Close decides the connection with its snapshot c and returns its
// Record, which is the caller's to keep (until Reset, when s is reused).
func (s Machine) Close(c *flow.ConnInfo, why flow.CloseReason) *Record { return s.s.close(c, why) }

// Reset makes s the state of a new connection again, keeping the memory
// it grew (line buffers, command queue, the list of replies, the bytes of
// the record's strings), so that a caller deciding many connections
// allocates less. Call it only once the Record Close returned is no
// longer used: its Replies and the bytes of its strings are reused (a
// string kept past Reset must be copied with strings.Clone).
func (s Machine) Reset() { s.s.reset() }

func (s *session) reset() {
	// The buffers kept, then the whole struct cleared in place and the
	// buffers put back: a new session built on the stack and copied over
	// s stalled on store forwarding all along its length.
	cli, srv, qbase, expl, arena, keys := s.cli.buf[:0], s.srv.buf[:0], s.qbase[:0], s.expl[:0], s.arena[:0], s.keys
	if cap(arena) > maxKeptArena {
		arena = nil
	}
	esc, text, replies, rcpts, txs := s.cur.esc[:0], s.cur.text[:0], s.rec.Replies, s.rec.RcptTo, s.rec.Transactions
	clear(replies)
	clear(rcpts)
	clear(txs)
	clear(s.qbase[:cap(s.qbase)])
	*s = session{}
	s.cli.buf, s.srv.buf, s.qbase, s.expl, s.keys = cli, srv, qbase, expl, keys
	s.arena = arena // the last record's strings are gone with it
	s.cur.esc, s.cur.text = esc, text
	if cap(replies) > 0 {
		s.rec.Replies = replies[:0]
	}
	if cap(rcpts) > 0 {
		s.rec.RcptTo = rcpts[:0]
	}
	if cap(txs) > 0 {
		s.rec.Transactions = txs[:0]
	}
}

type clientMode uint8

const (
	clientCommands clientMode = iota
	clientBody                // DATA body, up to the final dot
	clientChunk               // BDAT chunk bytes
	clientTLS                 // after STARTTLS, or TLS from the start
	clientOpaque              // nothing more to read
)

type serverMode uint8

const (
	serverReplies serverMode = iota
	serverTLS
	serverOpaque
)

// first is what the server's first payload was.
type first uint8

const (
	firstNone first = iota
	firstReply
	firstTLS
	firstOther
	// firstCut: the server's first line is cut before its reply code
	// (a snap length, or packets the capture lost): what it said is
	// unknown, and no later reply may be taken for it.
	firstCut
)

type command struct {
	v      verb
	last   bool  // BDAT ... LAST
	masked bool  // all X's: a firewall rewrote it
	tx     int32 // 1 + the index of the transaction it belongs to, 0: none
	text   string
}

// maxQueued bounds the commands waiting for a reply.
const maxQueued = 1024

// session follows the SMTP dialogue of one connection.
type session struct {
	emit func(*Record)
	rec  Record
	keys *tlsdecrypt.KeyLog // nil: no TLS decryption
	// dec follows the dialogue inside TLS (set when TLS starts and keys
	// is set); insideTLS: the bytes being read are its plaintext.
	dec       *decryption
	insideTLS bool

	cli, srv lineBuf
	cmode    clientMode
	smode    serverMode
	body     bodyScanner
	bdatLeft int64
	queue    []command
	qbase    []command // queue's array from its start, reused when the queue reaches its end
	expl     []byte    // the explanation being written at close, reused
	arena    []byte    // the bytes of the record's strings (str, escape)
	authing  bool
	// dataPending: a 354 was seen and the end of its message not yet.
	dataPending bool

	// The reply being assembled.
	cur struct {
		started bool
		code    int
		// esc is the escaped text of the reply's first 32 lines, joined
		// by LF, made into one string when the reply ends; the first
		// line is esc[:firstLen].
		esc      []byte
		lines    int
		firstLen int
		// The enhanced status code is esc[enhFrom:enhTo] when enhTo > 0,
		// else enhanced.
		enhFrom, enhTo int
		enhanced       string
		text           []byte // raw text of all lines, for the heuristics (bounded)
	}

	// Facts for the verdict.
	first    first
	greeted  bool
	firstAt  time.Time
	srvData  bool
	preClose struct {
		set bool
		dir flow.Direction
		rst bool
		at  time.Time
	}
	// postClose is the first FIN or RST after the server's first payload.
	postClose struct {
		set, rst, afterQuit bool
		dir                 flow.Direction
	}
	synAt, synackAt, estAt, refusedAt time.Time

	// Facts for the outcome.
	delivered, dataRejected, senderRejected, deferred, tlsRequired bool
	rcptOK, rcpt5xx, rcptReplies                                   int
	mails                                                          int
	quit, resetAfter, finAfter                                     bool
	tlsAttempted, tlsAnswered, tlsRefused                          bool
	clientTLSFirst                                                 bool
	lastReply                                                      struct {
		code int
		cmd  string
	}

	// Diagnostics: firewall inspection marks, reset TTLs, TLS records in
	// clear each way, and the replies a refusal reason may come from.
	insp       inspection
	resets     resets
	ctls, stls *tlsStream // set once TLS starts
	nReplies   int        // replies completed, the greeting included
	// malformed counts server lines that are not RFC 5321 replies;
	// malformedFirst is the first one, quoted and escaped.
	malformed      int
	malformedFirst string
	// txOpen is 1 + the index in rec.Transactions of the transaction the
	// client's commands belong to now, 0 between transactions; tx1 holds
	// the first one.
	txOpen int
	tx1    [1]Transaction
	// txMail is how the current transaction's MAIL was answered, so that
	// the sequence errors a refused MAIL causes are not taken as refusals
	// of their own.
	txMail txState
	// srvAfterGap: the server line being handled is the rest of one that
	// missing bytes cut.
	srvAfterGap bool
	// cliSync and srvSync pass over the rest of a line that missing bytes
	// cut into, in each direction.
	cliSync, srvSync resync
	// plainAfterTLS: STARTTLS was answered 220 and the client went on in
	// clear text. plainTLSPort: the client opened with TLS and the
	// server answered in clear text.
	plainAfterTLS, plainTLSPort bool
	// sawCommand: the client's first command line was read; foreign
	// names the other protocol it belongs to ("FTP"), if any.
	sawCommand bool
	foreign    string
	// cliRSTReplies is 1 + the replies completed when the client's RST
	// came, 0 without one.
	cliRSTReplies int
	refusals      *refusals // set at the first refusing reply
}

// Event implements flow.Stream.
func (s *session) Event(c *flow.Conn, e *flow.Event) {
	s.resets.event(e)
	switch e.Kind {
	case flow.EventSYN:
		s.synAt = e.Time
	case flow.EventSYNACK:
		s.synackAt = e.Time
	case flow.EventEstablished:
		s.estAt = e.Time
	case flow.EventRefused:
		s.refusedAt = e.Time
	case flow.EventData:
		if e.Dir == flow.ClientToServer {
			s.client(e.Payload, e.Time, e.Gap)
		} else {
			s.server(e.Payload, e.Time, e.Gap)
		}
	case flow.EventFIN, flow.EventRST:
		rst := e.Kind == flow.EventRST
		if rst && e.Dir == flow.ClientToServer && s.cliRSTReplies == 0 {
			s.cliRSTReplies = s.nReplies + 1
		}
		if !s.srvData && !s.preClose.set {
			s.preClose.set, s.preClose.dir, s.preClose.rst, s.preClose.at = true, e.Dir, rst, e.Time
		}
		if s.stls != nil {
			s.stls.watch.closed(e.Dir)
		}
		if s.first != firstNone {
			if !s.postClose.set {
				s.postClose.set, s.postClose.dir, s.postClose.rst, s.postClose.afterQuit = true, e.Dir, rst, s.quit
			}
			if rst && !s.quit {
				s.resetAfter = true
			} else if !rst {
				s.finAfter = true
			}
		}
	}
}

// client consumes in-order client bytes.
func (s *session) client(p []byte, t time.Time, gap bool) {
	if gap && s.cmode == clientCommands && s.cli.full > 0 {
		// Bytes are missing (a snap length cut the segment, or the
		// capture lost packets): take the partial line as it is.
		line, n := s.cli.partial(), s.cli.full
		s.cli = lineBuf{buf: line[:0]}
		s.clientLine(line, n, t)
	}
	if gap && s.cmode == clientTLS {
		s.ctls.broken = true // records cannot be followed across a hole
	}
	if gap || s.cliSync.active() {
		// After missing bytes, a command line starts with a letter; else
		// p begins inside a line, read from the next one.
		var n int
		p, n = s.cliSync.rest(p, gap, s.cmode == clientCommands && len(p) > 0 && !isLetter(p[0]))
		s.rec.ClientBytes += uint64(n)
		if n > 0 && len(p) == 0 {
			return
		}
	}
	if !s.srvData && s.cmode == clientCommands && len(s.cli.buf) == 0 && isTLSRecord(p) && s.rec.ClientBytes == 0 {
		// TLS from the first byte: implicit TLS (port 465 and the like).
		s.clientTLSFirst, s.tlsAttempted = true, true
		s.startTLS()
	}
	s.rec.ClientBytes += uint64(len(p))
	if s.dec != nil {
		s.dec.at = t
	}
	s.clientBytes(p, t)
}

// clientBytes reads client bytes by the client mode: the dialogue in
// clear, or inside TLS once decrypted (session.inner).
func (s *session) clientBytes(p []byte, t time.Time) {
	for len(p) > 0 {
		switch s.cmode {
		case clientCommands:
			line, n, rest, ok := s.cli.next(p)
			if !ok {
				s.checkPartialLine(t)
				return
			}
			p = rest
			s.clientLine(line, n, t)
		case clientBody:
			rest, done := s.body.scan(p)
			s.checkBody(t)
			if !done {
				return
			}
			p = rest
			s.cmode = clientCommands
			s.push(command{v: verbDataEnd, text: "."})
		case clientChunk:
			if int64(len(p)) < s.bdatLeft {
				s.bdatLeft -= int64(len(p))
				return
			}
			p = p[s.bdatLeft:]
			s.bdatLeft = 0
			s.cmode = clientCommands
		case clientTLS:
			if s.tlsAnswered && s.ctls.records == 0 && s.ctls.hdrLen == 0 && !isTLSRecord(p) && startsLikeCommand(p) {
				// 220 to STARTTLS, then a command in clear text: a
				// decrypted export, or STARTTLS stripped on the way.
				s.plainAfterTLS = true
				s.cmode, s.smode, s.ctls, s.stls = clientCommands, serverReplies, nil, nil
				continue
			}
			s.ctls.feed(p)
			return
		default:
			return
		}
	}
}

// startTLS switches both directions to TLS records.
func (s *session) startTLS() {
	s.cmode, s.smode = clientTLS, serverTLS
	type tlsState struct {
		pair  [2]tlsStream
		watch tls13Watch
	}
	p := &tlsState{pair: [2]tlsStream{newTLSStream(), newTLSStream()}} // one allocation, only for sessions that use TLS
	s.ctls, s.stls = &p.pair[0], &p.pair[1]
	s.ctls.watch, s.stls.watch = &p.watch, &p.watch
	s.ctls.dir, s.stls.dir = flow.ClientToServer, flow.ServerToClient
	s.startDecryption()
}

// checkPartialLine notes a command line that crossed the inspection's
// length limit before its end arrived: a firewall cuts it there.
func (s *session) checkPartialLine(t time.Time) {
	if s.cli.full+1 > limitCommandLine {
		s.insp.checkCommand(verbOther, nil, s.cli.full, s.nReplies, t)
	}
}

// checkBody notes a header line or MIME file name over the inspection's
// limits in the message body.
func (s *session) checkBody(t time.Time) {
	if n := s.body.longHeader; n > 0 {
		s.insp.crossed(LimitHeaderLine, fmt.Sprintf("a %d-octet header line (limit %d)", n-1, limitHeaderLine), s.nReplies, t)
	}
	if n := s.body.longName; n > 0 {
		s.insp.crossed(LimitAttachmentFilename, fmt.Sprintf("a %d-octet MIME file name (limit %d)", n, limitFilename), s.nReplies, t)
	}
}

// clientLine handles one complete client command line.
func (s *session) clientLine(line []byte, n int, t time.Time) {
	v := parseVerb(line)
	if s.authing {
		v = verbAuthData
	}
	cmd := command{v: v, masked: v == verbOther && isMaskedCommand(line)}
	if !s.sawCommand {
		s.sawCommand = true
		if v == verbOther {
			s.foreign = foreignProtocol(line)
		}
	}
	s.insp.checkCommand(v, line, n, s.nReplies, t)
	if len(s.rec.Replies)+len(s.queue) < MaxReplies+4 {
		cmd.text = s.commandText(v, line)
	}
	switch v {
	case verbDATA:
		s.cmode, s.body = clientBody, bodyScanner{}
	case verbBDAT:
		if n, last, ok := bdatArgs(line); ok {
			cmd.last = last
			if n > 0 {
				s.cmode, s.bdatLeft = clientChunk, n
			}
		}
	case verbQUIT:
		s.quit = true
	case verbSTARTTLS:
		s.tlsAttempted = true
	case verbMAIL:
		s.mails++
		var path string
		if s.mails == 1 || len(s.rec.Transactions) < MaxTransactions {
			path = s.escape(commandPath(line))
		}
		if s.mails == 1 {
			s.rec.MailFrom = path
		}
		s.openTransaction(path, t)
	case verbRCPT:
		if len(s.rec.RcptTo) < MaxRcptTo {
			s.rec.RcptTo = append(s.rec.RcptTo, s.escape(commandPath(line)))
			if s.txOpen > 0 {
				s.rec.Transactions[s.txOpen-1].Rcpts++
			}
		} else {
			s.rec.RcptToOmitted++
		}
	case verbHELO, verbEHLO:
		if s.rec.Helo == "" {
			s.rec.Helo = s.escape(heloName(line))
		}
	}
	s.push(cmd)
}

func (s *session) push(c command) {
	switch c.v {
	case verbMAIL, verbRCPT, verbDATA, verbBDAT, verbDataEnd, verbRSET:
		c.tx = int32(s.txOpen)
		if c.v == verbDataEnd || c.v == verbRSET || c.v == verbBDAT && c.last {
			s.txOpen = 0 // its reply decides it; later commands are not of it
		}
	case verbHELO, verbEHLO:
		s.txOpen = 0 // a new greeting resets the transaction (RFC 5321 4.1.4)
	}
	if len(s.queue) >= maxQueued {
		s.queue = s.queue[1:]
	}
	if len(s.queue) == cap(s.queue) {
		// The queue reached the end of its array: move it back to the
		// front of qbase, where the answered commands were, or grow it.
		// A lock-step or pipelined dialogue then reuses one array for
		// the whole connection, and the next one after Reset.
		if len(s.queue) < cap(s.qbase) {
			s.queue = s.qbase[:copy(s.qbase[:cap(s.qbase)], s.queue)]
		} else {
			grown := make([]command, len(s.queue), 2*len(s.queue)+4)
			copy(grown, s.queue)
			s.queue, s.qbase = grown, grown[:0]
		}
	}
	s.queue = append(s.queue, c)
}

// server consumes in-order server bytes.
func (s *session) server(p []byte, t time.Time, gap bool) {
	if !s.srvData {
		s.srvData = true
		s.firstAt = t
		switch {
		case isTLSRecord(p):
			s.first = firstTLS
			if s.cmode != clientTLS {
				s.startTLS()
			}
		case s.clientTLSFirst && looksLikeReplyStart(p):
			// The client opened with TLS, the server greets in clear
			// text: the greeting decides, the client's TLS bytes are
			// not commands.
			s.smode, s.cmode, s.plainTLSPort = serverReplies, clientOpaque, true
		}
	}
	if gap && s.smode == serverReplies {
		// Bytes are missing before p: what was partial is all there will
		// be of its line. A snap length cut (p empty) ends its reply too,
		// since a server sends a reply in one segment; after a hole, a
		// multi-line reply goes on if p goes on with its code.
		if s.srv.full > 0 {
			line := s.srv.partial()
			s.srv = lineBuf{buf: line[:0]}
			s.srvAfterGap = true
			s.serverLine(line, t)
			s.srvAfterGap = false
		}
		if s.cur.started && s.smode == serverReplies && !continuesReply(firstLineStart(p), s.cur.code) {
			s.finishReply(t)
		}
	}
	if gap && s.smode == serverTLS {
		s.stls.broken = true
	}
	if gap || s.srvSync.active() {
		// After missing bytes, read from the next line that starts like
		// a reply: never join or parse across the hole.
		var n int
		p, n = s.srvSync.rest(p, gap, s.smode == serverReplies && len(p) > 0 && !looksLikeReplyStart(p))
		s.rec.ServerBytes += uint64(n)
		if n > 0 && len(p) == 0 {
			return
		}
	}
	s.rec.ServerBytes += uint64(len(p))
	if s.dec != nil {
		s.dec.at = t
	}
	s.serverBytes(p, t)
}

// serverBytes reads server bytes by the server mode: the dialogue in
// clear, or inside TLS once decrypted (session.inner).
func (s *session) serverBytes(p []byte, t time.Time) {
	for len(p) > 0 {
		switch s.smode {
		case serverReplies:
			line, _, rest, ok := s.srv.next(p)
			if !ok {
				return
			}
			p = rest
			s.serverLine(line, t)
		case serverTLS:
			s.stls.feed(p)
			return
		default:
			return
		}
	}
}

// tlsServerHello reports whether the server's first record after the
// switch to TLS was a handshake record (its hello).
func (s *session) tlsServerHello() bool {
	return s.stls != nil && s.stls.records > 0 && s.stls.first == tlsHandshake
}

// tlsAlert reports whether the server's first bytes after the switch to
// TLS were an alert, or not TLS at all.
func (s *session) tlsAlert() bool {
	st := s.stls
	return st != nil && (st.records > 0 && st.first != tlsHandshake || st.broken && st.records == 0)
}

// serverLine handles one complete server line.
func (s *session) serverLine(line []byte, t time.Time) {
	code, rtext, last, ok := parseReply(line)
	if !ok && !s.cur.started {
		// Not RFC 5321's form, but the reply's class may still be plain
		// from an enhanced status code alone.
		if c, text, eok := parseEnhancedOnly(line); eok {
			code, rtext, last, ok = c, text, true, true
			s.noteMalformed(line, c/100)
		}
	}
	if s.first == firstNone {
		if !ok && s.srvAfterGap {
			s.first, s.greeted = firstCut, true
			return
		}
		if !ok {
			s.first = firstOther
			s.smode, s.cmode = serverOpaque, clientOpaque
			s.rec.Banner = Escape(trimCR(line))
			return
		}
		s.first = firstReply
	}
	if !ok {
		// A stray line mid-session: counted, otherwise ignored.
		s.noteMalformed(line, 0)
		return
	}
	cur := &s.cur
	if !cur.started {
		cur.started = true
		cur.code = code
		cur.esc, cur.lines, cur.text = cur.esc[:0], 0, cur.text[:0]
		// The code's bytes ('#', digits, dots) are the same escaped,
		// and the first line starts esc.
		cur.enhFrom, cur.enhTo = enhancedAt(rtext)
		cur.enhanced = ""
	}
	lineAt := -1 // where this line starts in esc, if it is kept
	if cur.lines < 32 {
		if cur.lines > 0 {
			cur.esc = append(cur.esc, '\n')
		}
		lineAt = len(cur.esc)
		cur.esc = appendEscaped(cur.esc, rtext)
		if cur.lines == 0 {
			cur.firstLen = len(cur.esc)
		}
		cur.lines++
	}
	if len(cur.text) < 4096 {
		cur.text = append(append(cur.text, rtext...), ' ')
	}
	if s.greeted && len(s.queue) > 0 && s.queue[0].v == verbEHLO && code == 250 {
		kw := rtext
		if i := bytes.IndexByte(kw, ' '); i >= 0 {
			kw = kw[:i]
		}
		if bytes.EqualFold(kw, []byte("STARTTLS")) {
			s.rec.TLS.Offered = true
		} else if isMaskedKeyword(kw) && len(s.insp.ehloMasked) < 8 {
			s.insp.ehloMasked = append(s.insp.ehloMasked, Escape(kw))
		}
	}
	if last {
		// A reply's lines should share one code; when the last differs
		// (postscreen's "220-" greeting cut short by "521" for a client
		// that talked too early), the last one is the server's answer.
		if code != cur.code {
			cur.code = code
			from, to := enhancedAt(rtext)
			cur.enhFrom, cur.enhTo, cur.enhanced = 0, 0, ""
			if lineAt >= 0 && to > 0 {
				cur.enhFrom, cur.enhTo = lineAt+from, lineAt+to
			} else {
				cur.enhanced = string(rtext[from:to])
			}
		}
		s.finishReply(t)
	}
}

// resync finds where reading may go on in one direction after bytes
// missing from the capture: the next bytes may start inside a line.
type resync struct{ pending, skipping bool }

// active reports whether the next bytes still need looking at.
func (r *resync) active() bool { return r.pending || r.skipping }

// rest returns p from where reading goes on, and how many bytes before it
// were passed over. gap says bytes are missing before p; midLine, that p
// does not start a line. Once missing bytes were seen, the first bytes
// that come are read from their start if they start a line, else from
// after their first LF (all of p is passed over when it has none).
func (r *resync) rest(p []byte, gap, midLine bool) ([]byte, int) {
	if gap {
		r.pending = true
	}
	if r.pending && len(p) > 0 {
		r.pending, r.skipping = false, midLine
	}
	if !r.skipping {
		return p, 0
	}
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		return p[:0], len(p)
	}
	r.skipping = false
	return p[i+1:], i + 1
}
