package classify

import (
	"fmt"
	"strconv"
	"time"

	"github.com/esaflow/esaflow/flow"
)

// Close implements flow.Stream: the connection is decided here, once, with
// everything the capture showed of it.
func (s *session) Close(c *flow.Conn, why flow.CloseReason) {
	info := c.Info()
	s.close(&info, why)
}

// close decides the connection c describes, hands its Record to emit (if
// set) and returns it.
func (s *session) close(c *flow.ConnInfo, why flow.CloseReason) *Record {
	if s.first == firstNone && s.srvData {
		// The capture ended inside the server's first line: decide by
		// its code if it has one.
		if r, ok := parseReplyLine(s.srv.partial()); ok {
			s.first = firstReply
			s.rec.BannerCode = r.code
			s.rec.Banner = Escape(r.text)
		}
	}
	r := &s.rec
	r.ID = c.ID
	r.Client, r.ClientPort = c.Client.Addr(), c.Client.Port()
	r.Server, r.ServerPort = c.Server.Addr(), c.Server.Port()
	at := len(s.arena) // the history in the arena, as the record's texts
	s.arena = c.AppendHistory(s.arena)
	r.History = arenaString(s.arena[at:])
	r.ConnState = c.State()
	r.ClosedBy = c.ClosedBy()
	r.Start, r.End = c.Start, c.End
	r.Duration = Seconds(c.End.Sub(c.Start))
	at = len(s.arena)
	s.arena = appendUID(s.arena, c.Start, c.Client, c.Server)
	r.UID = arenaString(s.arena[at:])
	at = len(s.arena)
	s.arena = appendCommunityID(s.arena, c.Client, c.Server)
	r.CommunityID = arenaString(s.arena[at:])
	r.ClientPackets = c.Packets(flow.ClientToServer)
	r.ServerPackets = c.Packets(flow.ServerToClient)
	r.ClientBytes = c.Bytes(flow.ClientToServer)
	r.ServerBytes = c.Bytes(flow.ServerToClient)
	r.MissedBytes = c.Missed(flow.ClientToServer) + c.Missed(flow.ServerToClient)
	if r.Replies == nil {
		r.Replies = []Reply{}
	}
	if r.RcptTo == nil {
		r.RcptTo = []string{} // an empty list, as the Replies, never nil
	}
	s.closeTransactions(why)
	if len(r.Transactions) == 0 {
		r.Transactions = nil // as a new session leaves it
	}
	var expl []byte
	r.Verdict, expl = s.verdict(s.expl[:0], c, why)
	if r.Verdict == VerdictAccept {
		r.Outcome = s.outcome()
		expl = append(append(expl, "; "...), s.outcomeReason(r.Outcome)...)
		if s.decrypted() {
			expl = append(expl, " (inside TLS, decrypted with the key log)"...)
		}
	}
	r.Explanation, s.expl = s.str(expl), expl[:0]
	s.fillTLS(&r.TLS)
	r.Reason = s.reason(r.Verdict, r.Outcome)
	if r.Flags = s.flags(c, why); r.Flags == nil {
		r.Flags = []Flag{} // an empty list, as the Replies, never nil
	}
	if s.emit != nil {
		s.emit(r)
	}
	return r
}

// verdict decides the connection's verdict. The transitions, first match
// wins:
//
//	condition                                             verdict
//	server RST answered the SYN                           PORT_CLOSED
//	client SYN seen, nothing at all from the server       NO_ANSWER
//	no SYN,ACK and no SYN seen (mid-session capture)      INCOMPLETE
//	before any server payload: client FIN or RST          ABANDONED
//	first server payload is a TLS record                  ACCEPT (implicit TLS)
//	first server payload is a reply, code 2xx             ACCEPT
//	first server payload is a reply, code 4xx             TEMPFAIL
//	first server payload is a reply, code 5xx             REJECT
//	first server payload is anything else                 NOT_SMTP
//	before any server payload: server RST                 TCPREFUSE
//	before any server payload: server FIN                 SILENT_CLOSE
//	otherwise (input ended or went idle first)            INCOMPLETE
//
// It appends the verdict's explanation to b.
func (s *session) verdict(b []byte, c *flow.ConnInfo, why flow.CloseReason) (Verdict, []byte) {
	cl := c.Packets(flow.ClientToServer)
	switch {
	case c.Refused():
		return VerdictPortClosed, appendAfter(append(b, "SYN answered by RST"...), s.synAt, s.refusedAt)
	case c.SawSYN() && !c.SawSYNACK() && c.Packets(flow.ServerToClient) == 0:
		if syns := c.SYNs(flow.ClientToServer); syns < cl {
			// The client went on past its SYN: it was answered, and the
			// capture lacks the server's side.
			b = fmt.Appendf(b, "no server packet in the capture, yet the client sent %d packet(s) after its SYN", cl-syns)
			if n := c.Bytes(flow.ClientToServer); n > 0 {
				b = fmt.Appendf(b, " (%d payload bytes)", n)
			}
			return VerdictIncomplete, append(b, ": the server's side is missing from the capture"...)
		}
		return VerdictNoAnswer, fmt.Appendf(b, "%d SYN packet(s) over %s, no answer", cl, dur(c.End.Sub(c.Start)))
	case !c.SawSYN() && !c.SawSYNACK():
		return VerdictIncomplete, append(b, "no handshake in the capture: it started mid-session"...)
	}
	halfClose := s.preClose.set && s.preClose.dir == flow.ClientToServer && s.halfClosed()
	if s.preClose.set && s.preClose.dir == flow.ClientToServer && !halfClose {
		// The client gave up first; a greeting the server still sent
		// afterwards (to a closed socket) does not change that.
		how := "client FIN"
		if s.preClose.rst {
			how = "client RST"
		}
		b = appendAfter(append(b, how...), s.estAt, s.preClose.at)
		b = append(b, " after the handshake, before any server payload"...)
		if s.first == firstReply {
			b = fmt.Appendf(b, " (the server's %d came later)", s.rec.BannerCode)
		}
		return VerdictAbandoned, b
	}
	switch s.first {
	case firstTLS:
		if s.decrypted() && s.greeted {
			// The key log opened the session: the greeting inside
			// TLS decides, as a greeting in clear does.
			code := s.rec.BannerCode
			v := VerdictAccept
			switch code / 100 {
			case 4:
				v = VerdictTempfail
			case 5:
				v = VerdictReject
			}
			b = fmt.Appendf(b, "server answered with TLS (implicit TLS), decrypted: greeting %d", code)
			if v != VerdictAccept {
				b = append(b, s.thenWhat()...)
			}
			return v, b
		}
		return VerdictAccept, append(b, "server answered with TLS (implicit TLS)"...)
	case firstReply:
		code := s.rec.BannerCode
		if s.foreign != "" {
			return VerdictNotSMTP, fmt.Appendf(b, "greeting %d, but the client's first command is %s's, not SMTP's", code, s.foreign)
		}
		if code/100 == 2 && !greetingIsSMTP(code) {
			return VerdictNotSMTP, fmt.Appendf(b, "first server reply %d is not an SMTP greeting (220)", code)
		}
		v := VerdictAccept
		switch code / 100 {
		case 2:
		case 4:
			v = VerdictTempfail
		case 5:
			v = VerdictReject
		default:
			return VerdictNotSMTP, fmt.Appendf(b, "first server reply %d is not a greeting code", code)
		}
		if halfClose {
			b = appendAfter(append(b, "client FIN"...), s.estAt, s.preClose.at)
			b = append(b, " before any server payload, a half-close (the client had sent its whole session); then "...)
		}
		b = strconv.AppendInt(append(b, "greeting "...), int64(code), 10)
		b = appendAfter(b, s.estAt, s.firstAt)
		if v != VerdictAccept {
			b = append(b, s.thenWhat()...)
		}
		return v, b
	case firstOther:
		return VerdictNotSMTP, append(b, "first server payload is not an SMTP reply"...)
	case firstCut:
		return VerdictIncomplete, fmt.Appendf(b, "the server's first reply is cut before its code in the capture (%d server payload bytes missing)", c.Missed(flow.ServerToClient))
	}
	if m := c.Missed(flow.ServerToClient); m > 0 && !s.srvData {
		return VerdictIncomplete, fmt.Appendf(b, "the server sent %d payload bytes that the capture does not hold", m)
	}
	if s.preClose.set {
		base := s.estAt
		if base.IsZero() {
			base = s.synackAt
		}
		switch {
		case s.preClose.dir == flow.ServerToClient && s.preClose.rst:
			return VerdictTCPRefuse, append(appendAfter(append(b, "server RST"...), base, s.preClose.at), " after the handshake, no server payload"...)
		case s.preClose.dir == flow.ServerToClient:
			return VerdictSilentClose, append(appendAfter(append(b, "server FIN"...), base, s.preClose.at), " after the handshake, no server payload"...)
		}
	}
	if s.srvData {
		return VerdictIncomplete, append(b, "the server's first line is cut off in the capture"...)
	}
	return VerdictIncomplete, append(append(b, "no server payload and no close before the "...), why.String()...)
}

// halfClosed reports whether a client FIN sent before any server payload
// closed only the client's direction: the server then sent its greeting
// and the client took it (acknowledged it) instead of answering it with a
// RST, as a client whose socket is closed does.
func (s *session) halfClosed() bool {
	if s.preClose.rst || s.first != firstReply {
		return false
	}
	return s.cliRSTReplies == 0 || s.cliRSTReplies > 2
}

// thenWhat tells how a refusing server ended the session.
func (s *session) thenWhat() string {
	pc := s.postClose
	switch {
	case !pc.set:
		return ""
	case pc.afterQuit:
		return ", the server waited for the client's QUIT"
	case pc.dir == flow.ServerToClient && pc.rst:
		return ", then the server reset the connection"
	case pc.dir == flow.ServerToClient:
		return ", then the server closed the connection"
	}
	return ", then the client closed the connection"
}

// outcome decides what happened after an ACCEPT greeting, by the
// precedence documented on Outcome.
func (s *session) outcome() Outcome {
	switch {
	case s.delivered:
		return OutcomeDelivered
	case s.decrypted(), s.plainAfterTLS:
		// Followed inside TLS (decrypted), or as clear text after
		// STARTTLS: the outcomes below decide.
		// Followed as clear-text SMTP: the outcomes below decide.
	case s.tls13Failed(), s.plainTLSPort && s.clientTLSFirst:
		return OutcomeTLSFailed
	case s.tlsAnswered && s.tlsServerHello() && s.alert() < 0, s.first == firstTLS && !s.tlsAlert() && s.alert() < 0:
		return OutcomeTLS
	case s.tlsRefused, s.tlsAnswered, s.first == firstTLS:
		return OutcomeTLSFailed
	}
	switch {
	case s.tlsRequired:
		return OutcomeTLSRequired
	case s.dataRejected:
		return OutcomeDataRejected
	case s.senderRejected:
		return OutcomeSenderRejected
	case s.rcptReplies > 0 && s.rcpt5xx == s.rcptReplies:
		return OutcomeRecipientRejected
	case s.deferred:
		return OutcomeDeferred
	case s.resetAfter:
		return OutcomeReset
	case s.quit || s.finAfter:
		return OutcomeQuit
	}
	return OutcomeIncomplete
}

func (s *session) outcomeReason(o Outcome) string {
	switch o {
	case OutcomeDelivered:
		return "message accepted"
	case OutcomeTLS:
		what := "STARTTLS answered 220, TLS handshake went on"
		if !s.tlsAnswered {
			what = "TLS from the first byte (implicit TLS), handshake went on"
		}
		if note := s.decryptionNote(); note != "" {
			return what + " (not decrypted: " + decryptionNoteText(note) + ")"
		}
		return what
	case OutcomeTLSFailed:
		if s.tlsRefused {
			return "STARTTLS refused"
		}
		if s.tls13Failed() {
			return s.stls.watch.inference()
		}
		if s.plainTLSPort {
			return "the client opened with TLS, the server answered in clear text"
		}
		return "TLS handshake failed"
	case OutcomeTLSRequired:
		return "530: TLS required, client did not switch"
	case OutcomeDataRejected:
		return "message refused after DATA"
	case OutcomeSenderRejected:
		return "sender refused"
	case OutcomeRecipientRejected:
		return fmt.Sprintf("all %d RCPT refused", s.rcptReplies)
	case OutcomeDeferred:
		return "deferred with a 4xx reply"
	case OutcomeReset:
		return "reset mid-session"
	case OutcomeQuit:
		return "ended without a message"
	}
	return "capture ended mid-session"
}

// tlsResult is StartTLS.Result.
func (s *session) tlsResult() string {
	switch {
	case !s.tlsAttempted:
		return ""
	case s.plainAfterTLS:
		return "plaintext"
	case s.tlsRefused:
		return "refused"
	case s.alert() >= 0, s.tls13Failed():
		return "handshake_failed"
	case s.tlsServerHello():
		return "ok"
	case s.tlsAlert():
		return "handshake_failed"
	case s.tlsAnswered && (s.finAfter || s.resetAfter):
		return "handshake_failed"
	}
	return "unknown"
}

// appendAfter appends " in 1.2ms" style gaps to b; nothing when a time is
// missing.
func appendAfter(b []byte, from, to time.Time) []byte {
	if from.IsZero() || to.IsZero() {
		return b
	}
	return appendDur(append(b, " in "...), to.Sub(from))
}

// dur formats a duration rounded to the microsecond.
func dur(d time.Duration) string { return string(appendDur(nil, d)) }

// appendDur appends a duration rounded to the microsecond (0 for a
// negative one) to b as time.Duration's String writes it, without the
// string that costs.
func appendDur(b []byte, d time.Duration) []byte {
	d = max(d, 0).Round(time.Microsecond)
	u := uint64(d)
	switch {
	case u == 0:
		return append(b, "0s"...)
	case u < uint64(time.Microsecond):
		return append(strconv.AppendUint(b, u, 10), "ns"...)
	case u < uint64(time.Millisecond):
		return append(appendFrac(b, u, 3), "µs"...)
	case u < uint64(time.Second):
		return append(appendFrac(b, u, 6), "ms"...)
	}
	secs := u / uint64(time.Second)
	if h := secs / 3600; h > 0 {
		b = append(strconv.AppendUint(b, h, 10), 'h')
	}
	if m := secs / 60; m > 0 {
		b = append(strconv.AppendUint(b, m%60, 10), 'm')
	}
	return append(appendFrac(b, secs%60*uint64(time.Second)+u%uint64(time.Second), 9), 's')
}

// appendFrac appends v / 10^prec (prec at most 9) in decimal: the
// fraction without its trailing zeros, and without a point when it is 0.
func appendFrac(b []byte, v uint64, prec int) []byte {
	p := uint64(1)
	for range prec {
		p *= 10
	}
	b = strconv.AppendUint(b, v/p, 10)
	f := v % p
	if f == 0 {
		return b
	}
	for f%10 == 0 {
		f /= 10
		prec--
	}
	var digits [9]byte
	for i := prec - 1; i >= 0; i-- {
		digits[i] = '0' + byte(f%10)
		f /= 10
	}
	return append(append(b, '.'), digits[:prec]...)
}

// alert returns the description of the first failure alert sent in clear
// (the server's first, then the client's), or -1.
func (s *session) alert() int {
	if s.stls == nil {
		return -1
	}
	for _, d := range []int{s.stls.alertDesc, s.ctls.alertDesc} {
		if d > 0 { // 0 is close_notify: an orderly end, not a failure
			return d
		}
	}
	return -1
}

// fillTLS completes the record's TLS object.
func (s *session) fillTLS(t *TLS) {
	t.Attempted = s.tlsAttempted
	t.Implicit = s.clientTLSFirst || s.first == firstTLS
	t.Answered = s.tlsAnswered || s.tlsRefused
	t.Result = s.tlsResult()
	t.Decrypted, t.Decryption = s.decrypted(), s.decryptionNote()
	if s.stls == nil {
		return
	}
	if st := s.stls; st.serverHello {
		t.Version, t.Cipher = tlsVersionName(st.version), cipherName(st.cipher)
		t.CertSubject, t.CertIssuer = st.certSubject, st.certIss
	}
	switch {
	case s.stls.alertDesc > 0:
		t.Alert, t.AlertFrom = alertName(s.stls.alertDesc), "server"
	case s.ctls.alertDesc > 0:
		t.Alert, t.AlertFrom = alertName(s.ctls.alertDesc), "client"
	}
}

// reason names why the server refused, from the reply that decided the
// verdict or the outcome.
func (s *session) reason(v Verdict, o Outcome) string {
	r := s.refusals
	if r == nil {
		return ""
	}
	switch v {
	case VerdictReject, VerdictTempfail:
		return r.greeting.reason()
	case VerdictAccept:
	default:
		return ""
	}
	switch o {
	case OutcomeSenderRejected:
		return r.sender.reason()
	case OutcomeRecipientRejected:
		return r.rcpt.reason()
	case OutcomeDataRejected:
		return r.data.reason()
	case OutcomeTLSRequired, OutcomeTLSFailed:
		return r.tls.reason()
	case OutcomeDeferred:
		if r.hangup.set {
			return r.hangup.reason()
		}
		return r.deferred.reason()
	case OutcomeReset, OutcomeQuit, OutcomeIncomplete:
		return r.hangup.reason()
	}
	return ""
}

// flags lists what esaflow noticed beyond the verdict: firewall
// inspection marks and forged resets.
func (s *session) flags(c *flow.ConnInfo, why flow.CloseReason) []Flag {
	var cutHow string
	switch {
	case s.resets.rst[flow.ServerToClient]:
		cutHow = "a server RST"
	case s.resets.rst[flow.ClientToServer]:
		cutHow = "a client RST"
	case why == flow.CloseIdle:
		cutHow = "the connection went idle"
	case why == flow.CloseEndOfInput:
		cutHow = "the capture ended"
	}
	out := s.insp.flags(s.nReplies, cutHow != "", cutHow)
	if f, ok := s.resets.flag(); ok {
		out = append(out, f)
	}
	out = s.captureFlags(c, out)
	out = s.pathFlags(c, out)
	if s.malformed > 0 && s.foreign == "" && s.first == firstReply {
		out = append(out, Flag{FlagMalformedReply, fmt.Sprintf("%d server line(s) not in reply form, the first %s", s.malformed, s.malformedFirst)})
	}
	return out
}

// tls13Failed reports whether the encrypted records of a TLS 1.3
// handshake show it failed (see tls13Watch).
func (s *session) tls13Failed() bool {
	return s.stls != nil && s.stls.watch.failed()
}
