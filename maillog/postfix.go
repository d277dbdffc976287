package maillog

import (
	"net/netip"
	"strconv"
	"strings"
)

// postfixReader follows Postfix's smtpd sessions (one process serves one
// client at a time: keyed by process) and postscreen's (one process
// serves many: keyed by client address and port).
type postfixReader struct {
	log    *Log
	smtpd  map[string]*Session // by "smtpd[PID]"
	screen map[string]*Session // by "[addr]:port"
}

func newPostfixReader(l *Log) *postfixReader {
	return &postfixReader{log: l, smtpd: map[string]*Session{}, screen: map[string]*Session{}}
}

// bracketAddr reads the address in "name[addr]" or "[addr]:port", with
// the port if there is one.
func bracketAddr(s string) (netip.Addr, uint16, bool) {
	i := strings.IndexByte(s, '[')
	j := strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return netip.Addr{}, 0, false
	}
	a, err := netip.ParseAddr(s[i+1 : j])
	if err != nil {
		return netip.Addr{}, 0, false
	}
	var port uint16
	if rest := s[j+1:]; strings.HasPrefix(rest, ":") {
		end := 1
		for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
			end++
		}
		if p, err := strconv.ParseUint(rest[1:end], 10, 16); err == nil {
			port = uint16(p)
		}
	}
	return a.Unmap(), port, true
}

// replyOf returns the reply in a reject line: "...: 554 5.7.1 text; from=<...".
func replyOf(msg string) string {
	if i := strings.Index(msg, "]: "); i >= 0 {
		msg = msg[i+3:]
	}
	if i := strings.Index(msg, "; from=<"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// verdictOf is the connection verdict a reply's class states.
func verdictOf(reply string) Verdict {
	switch {
	case strings.HasPrefix(reply, "5"):
		return VerdictReject
	case strings.HasPrefix(reply, "4"):
		return VerdictTempfail
	}
	return VerdictNone
}

// line reads one Postfix line; it reports whether the line belonged to a
// session.
func (p *postfixReader) line(where linePos, st stamp, prog, msg string) bool {
	slash := strings.LastIndexByte(prog, '/')
	daemon := prog[slash+1:] // "smtpd[123]"
	switch {
	case strings.HasPrefix(daemon, "smtpd["):
		return p.smtpdLine(where, st, daemon, msg)
	case strings.HasPrefix(daemon, "postscreen["):
		return p.screenLine(where, st, daemon, msg)
	}
	return false
}

func (p *postfixReader) smtpdLine(where linePos, st stamp, proc, msg string) bool {
	s := p.smtpd[proc]
	switch {
	case strings.HasPrefix(msg, "connect from "):
		a, _, ok := bracketAddr(msg)
		if !ok {
			return false
		}
		if s != nil {
			p.log.end(p.smtpd, proc, s)
		}
		s = &Session{Format: FormatPostfix, Where: where.String(), ID: proc, Client: a, start: st, end: st, Verdict: VerdictAccept}
		p.smtpd[proc] = s
		return true
	case s == nil:
		return false
	}
	s.end = st
	switch {
	case strings.HasPrefix(msg, "disconnect from "):
		if s.Ended == "" { // after "lost connection" or "timeout", those say how it ended
			s.Ended, s.EndLine, s.EndWhere = "disconnect", msg, where.String()
		}
		s.Quit = strings.Contains(msg, " quit=")
		p.log.end(p.smtpd, proc, s)
	case strings.HasPrefix(msg, "lost connection after "):
		s.Ended, s.EndLine, s.EndWhere = "lost", msg, where.String()
	case strings.HasPrefix(msg, "timeout after "):
		s.Ended, s.EndLine, s.EndWhere = "timeout", msg, where.String()
	case strings.HasPrefix(msg, "NOQUEUE: reject: CONNECT from "):
		s.Reply = replyOf(msg)
		s.Verdict = verdictOf(s.Reply)
	case strings.HasPrefix(msg, "NOQUEUE: reject: "):
		if s.Reply == "" {
			s.Reply = replyOf(msg)
		}
	case strings.Contains(msg, "TLS connection established from "):
		s.TLS = "success"
	case strings.HasPrefix(msg, "SSL_accept error from "), strings.HasPrefix(msg, "TLS handshake failed"):
		s.TLS = "failed"
	default:
		if id, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(rest, "client=") && isQueueID(id) {
			s.QueueIDs = append(s.QueueIDs, id)
		}
	}
	return true
}

// isQueueID tells whether s looks like a Postfix queue ID (hexadecimal,
// or the long form's letters and digits).
func isQueueID(s string) bool {
	if len(s) < 6 || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

func (p *postfixReader) screenLine(where linePos, st stamp, proc, msg string) bool {
	verb, rest, _ := strings.Cut(msg, " ")
	if verb == "CONNECT" { // "CONNECT from [addr]:port to [addr]:port"
		a, port, ok := bracketAddr(rest)
		if !ok {
			return false
		}
		key := a.String() + ":" + strconv.Itoa(int(port))
		if old := p.screen[key]; old != nil {
			p.log.end(p.screen, key, old)
		}
		p.screen[key] = &Session{Format: FormatPostfix, Where: where.String(), ID: proc, Client: a, ClientPort: port, start: st, end: st}
		return true
	}
	a, port, ok := bracketAddr(rest)
	if !ok {
		return false
	}
	key := a.String() + ":" + strconv.Itoa(int(port))
	s := p.screen[key]
	if s == nil {
		return false
	}
	s.end = st
	switch verb {
	case "PASS": // handed to smtpd, which logs the rest
		s.Passed, s.Ended, s.EndLine, s.EndWhere = true, "passed", msg, where.String()
		p.log.end(p.screen, key, s)
	case "DISCONNECT":
		if s.Ended == "" {
			s.Ended = "disconnect"
		}
		s.EndLine, s.EndWhere = msg, where.String()
		p.log.end(p.screen, key, s)
	case "HANGUP":
		s.Ended, s.EndLine, s.EndWhere = "lost", msg, where.String()
	case "PREGREET", "DNSBL", "DENYLISTED", "BLACKLISTED", "COMMAND", "NON-SMTP", "BARE":
		if s.Reply == "" {
			s.Reply = msg
		}
		if verb == "DENYLISTED" || verb == "BLACKLISTED" || verb == "PREGREET" {
			s.Verdict = VerdictReject // dropped with 521, or refused every command
		}
	case "NOQUEUE:":
		s.Reply = replyOf(msg)
		s.Verdict = verdictOf(s.Reply)
	}
	return true
}

// finish keeps the sessions still open at the end of the log.
func (p *postfixReader) finish() {
	p.log.endAll(p.smtpd)
	p.log.endAll(p.screen)
}
