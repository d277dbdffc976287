package classify

import (
	"fmt"
	"strconv"
	"time"
)

// finishReply pairs the completed reply with the command it answers (the
// oldest one waiting: RFC 2920 pipelining keeps replies in command order)
// and updates the facts the outcome is decided from.
func (s *session) finishReply(t time.Time) {
	cur := &s.cur
	cur.started = false
	s.nReplies++
	code, class := cur.code, cur.code/100
	text := s.str(cur.esc) // the one string of the reply's lines
	enhanced := cur.enhanced
	if cur.enhTo > 0 {
		enhanced = text[cur.enhFrom:cur.enhTo]
	}
	var cmd command
	greeting := !s.greeted
	if greeting {
		s.greeted = true
		s.rec.BannerCode = code
		if cur.lines > 0 {
			banner := text[:cur.firstLen]
			s.rec.Banner = banner
			if isMaskedBanner([]byte(banner)) {
				s.insp.bannerMasked = fmt.Sprintf("%q", fmt.Sprintf("%d %s", code, banner))
			}
		}
		if class == 4 || class == 5 {
			s.refs().greeting.keep(code, enhanced, cur.text)
		}
	} else if len(s.queue) > 0 {
		cmd = s.queue[0]
		s.queue = s.queue[1:]
	} else if s.cmode == clientBody || s.dataPending {
		// A reply with no command waiting, after a 354: the final dot
		// (or the DATA command itself) is missing from the capture, and
		// this reply answers the end of the message.
		cmd = command{v: verbDataEnd, text: "."}
		s.cmode = clientCommands
	}
	if cmd.v == verbDataEnd {
		s.dataPending = false
	}
	if code == 354 {
		s.dataPending = true
	}
	if s.rec.Replies == nil {
		s.rec.Replies = make([]Reply, 0, 4)
	}
	if len(s.rec.Replies) < MaxReplies {
		// Field by field into the new slot: a Reply built whole is copied
		// from the stack in 16-byte moves over 8-byte stores, which the
		// processor cannot forward (a stall per reply).
		s.rec.Replies = append(s.rec.Replies, Reply{})
		r := &s.rec.Replies[len(s.rec.Replies)-1]
		r.Command, r.Code, r.Enhanced, r.Text, r.Time = cmd.text, code, enhanced, text, t
	} else {
		s.rec.RepliesOmitted++
	}
	s.lastReply.code, s.lastReply.cmd = code, cmd.text
	s.authing = code == 334
	if greeting {
		return
	}
	s.keepRefusal(cmd, code, enhanced, cur.text)
	if cmd.tx > 0 {
		s.transactionReply(cmd, code, text[:cur.firstLen])
	}
	if code == 421 {
		s.deferred = true
	}
	if code == 530 {
		s.tlsRequired = true
	}
	if class == 5 && senderRefused(enhanced, cur.text) {
		s.senderRejected = true
	}
	switch cmd.v {
	case verbHELO, verbEHLO, verbRSET:
		s.txMail = txNone
	case verbMAIL:
		s.txMail = txFailed
		if class == 2 {
			s.txMail = txOK
		}
		switch class {
		case 5:
			if code != 530 {
				s.senderRejected = true
			}
		case 4:
			s.deferred = true
		}
	case verbRCPT:
		if s.txMail == txFailed {
			// "503 need MAIL command" and the like: a consequence of
			// the refused MAIL, which decides the transaction.
			break
		}
		s.rcptReplies++
		switch class {
		case 2:
			s.rcptOK++
		case 5:
			s.rcpt5xx++
		case 4:
			s.deferred = true
		}
	case verbDATA:
		if code != 354 {
			if s.cmode == clientBody {
				s.cmode = clientCommands
			}
			// A pipelining client sent its message before this answer:
			// the server read those lines as commands, so the final dot
			// queued for them ends no message.
			for i := range s.queue {
				if s.queue[i].v == verbDataEnd {
					s.queue[i].v = verbOther
					break
				}
			}
			switch class {
			case 4:
				s.deferred = true
			case 5:
				if s.rcptOK > 0 {
					s.dataRejected = true
				}
			}
		}
	case verbDataEnd, verbBDAT:
		switch class {
		case 2:
			if (cmd.v == verbDataEnd || cmd.last) && code != 221 {
				s.delivered = true // 221 is a goodbye, not an acceptance
				s.rec.Messages++
			}
		case 5:
			s.dataRejected = true
		case 4:
			s.deferred = true
		}
	case verbSTARTTLS:
		if s.insideTLS {
			break // a STARTTLS inside TLS changes nothing on the wire
		}
		if code == 220 {
			s.tlsAnswered = true
			s.startTLS()
		} else {
			s.tlsRefused = true
		}
	}
}

// keepRefusal keeps a refusing reply (4xx or 5xx) to a command for the
// reason, by what the command was; a masked command's 5xx becomes the
// command_masked evidence.
func (s *session) keepRefusal(cmd command, code int, enhanced string, text []byte) {
	class := code / 100
	if class != 4 && class != 5 {
		return
	}
	if cmd.masked && class == 5 && s.insp.commandMasked == "" {
		s.insp.commandMasked = fmt.Sprintf("client command %q answered %d", cmd.text, code)
	}
	r := s.refs()
	r.any.keep(code, enhanced, text)
	switch {
	case code == 421:
		r.hangup.keep(code, enhanced, text)
	case code == 530:
		r.tls.keep(code, enhanced, text)
	case cmd.v == verbMAIL || (class == 5 && senderRefused(enhanced, text)):
		r.sender.keep(code, enhanced, text)
	case cmd.v == verbRCPT:
		r.rcpt.keep(code, enhanced, text)
	case cmd.v == verbDATA, cmd.v == verbDataEnd, cmd.v == verbBDAT:
		r.data.keep(code, enhanced, text)
	case cmd.v == verbSTARTTLS:
		r.tls.keep(code, enhanced, text)
	}
	if class == 4 {
		r.deferred.keep(code, enhanced, text)
	}
}

// txState is how the MAIL command of the current transaction was
// answered.
type txState uint8

const (
	txNone   txState = iota // no MAIL reply seen since the last EHLO, HELO or RSET
	txOK                    // MAIL answered 2xx
	txFailed                // MAIL answered 4xx or 5xx
)

// noteMalformed counts a server line that is not an RFC 5321 reply and
// keeps the first as evidence; class is the reply class taken from its
// enhanced status code, 0 when the line was ignored.
func (s *session) noteMalformed(line []byte, class int) {
	if s.srvAfterGap {
		return // the rest of a line cut by missing bytes, not the server's fault
	}
	s.malformed++
	if s.malformedFirst != "" {
		return
	}
	line = trimCR(line)
	q := strconv.Quote(string(line[:min(len(line), 60)]))
	if len(line) > 60 {
		q += "..."
	}
	s.malformedFirst = Escape([]byte(q))
	if class > 0 {
		s.malformedFirst += fmt.Sprintf(" (no reply code; class %dxx taken from its enhanced status code)", class)
	} else {
		s.malformedFirst += " (ignored)"
	}
}
