package maillog

import (
	"strconv"
	"strings"
	"time"
)

// eximReader follows Exim's incoming SMTP connections in its mainlog,
// keyed by client address and port (log_selector +incoming_port puts the
// port on every line; +smtp_connection logs the connection itself).
type eximReader struct {
	log  *Log
	open map[string]*Session // by "addr:port"
}

func newEximReader(l *Log) *eximReader { return &eximReader{log: l, open: map[string]*Session{}} }

// eximStamp reads the timestamp an Exim mainlog line starts with:
// "2026-12-05 15:10:02 " (with +millisec a fraction, with log_timezone an
// offset), and an optional "[pid] ", and returns the rest.
func eximStamp(line string) (stamp, string, bool) {
	if len(line) < 20 || line[4] != '-' || line[7] != '-' || line[10] != ' ' || line[13] != ':' {
		return stamp{}, "", false
	}
	y, err1 := strconv.Atoi(line[:4])
	m, err2 := strconv.Atoi(line[5:7])
	d, err3 := strconv.Atoi(line[8:10])
	if err1 != nil || err2 != nil || err3 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return stamp{}, "", false
	}
	rest := line[11:]
	sp := strings.IndexByte(rest, ' ')
	if sp < 0 {
		return stamp{}, "", false
	}
	ns, ok := clock(rest[:sp])
	if !ok {
		return stamp{}, "", false
	}
	st := stamp{year: y, month: time.Month(m), day: d, nsec: ns, valid: true, secondsOnly: !strings.Contains(rest[:sp], ".")}
	rest = rest[sp+1:]
	if len(rest) > 5 && (rest[0] == '+' || rest[0] == '-') && rest[5] == ' ' { // log_timezone
		if off, err := strconv.Atoi(rest[1:5]); err == nil {
			secs := (off/100*3600 + off%100*60)
			if rest[0] == '-' {
				secs = -secs
			}
			st.t = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.FixedZone("", secs)).Add(time.Duration(ns))
			st.zoned = true
			rest = rest[6:]
		}
	}
	if strings.HasPrefix(rest, "[") { // +pid
		if end := strings.Index(rest, "] "); end > 0 {
			rest = rest[end+2:]
		}
	}
	return st, rest, true
}

// key returns the "addr:port" of the first [addr]:port in msg.
func eximClient(msg string) (string, *Session, bool) {
	a, port, ok := bracketAddr(msg)
	if !ok {
		return "", nil, false
	}
	return a.String() + ":" + strconv.Itoa(int(port)), &Session{Format: FormatExim, Client: a, ClientPort: port}, true
}

// line reads one mainlog message; it reports whether it belonged to a
// session.
func (e *eximReader) line(where linePos, st stamp, msg string) bool {
	switch {
	case strings.HasPrefix(msg, "SMTP connection from ") && strings.Contains(msg, "(TCP/IP connection count"),
		strings.HasPrefix(msg, "Connection from ") && strings.Contains(msg, " refused"):
		key, s, ok := eximClient(msg)
		if !ok {
			return false
		}
		if old := e.open[key]; old != nil {
			e.log.end(e.open, key, old)
		}
		s.Where, s.ID, s.start, s.end, s.Verdict = where.String(), "exim "+key, st, st, VerdictAccept
		if strings.HasPrefix(msg, "Connection from ") { // too many connections, or a host limit: 421
			s.Verdict, s.Reply, s.Ended, s.EndLine, s.EndWhere = VerdictTempfail, msg, "disconnect", msg, where.String()
			e.log.end(e.open, key, s)
			return true
		}
		e.open[key] = s
		return true
	}
	key, _, ok := eximClient(msg)
	if !ok {
		return false
	}
	s := e.open[key]
	if s == nil {
		return false
	}
	s.end = st
	switch {
	case strings.Contains(msg, "rejected connection in \"connect\" ACL"), strings.Contains(msg, "rejected EHLO"), strings.Contains(msg, "rejected HELO"):
		if strings.Contains(msg, "\"connect\" ACL") {
			s.Verdict = VerdictReject
		}
		s.Reply = msg
	case strings.Contains(msg, " rejected "):
		if s.Reply == "" {
			s.Reply = msg
		}
	case strings.Contains(msg, " <= "):
		if id, _, ok := strings.Cut(msg, " <= "); ok && !strings.Contains(id, " ") {
			s.QueueIDs = append(s.QueueIDs, id)
		}
		if strings.Contains(msg, " X=TLS") {
			s.TLS = "success"
		}
	case strings.HasPrefix(msg, "TLS error on connection") && strings.Contains(msg, "handshake"):
		s.TLS = "failed" // (a read error later in the session is not the handshake's)
	case strings.HasPrefix(msg, "SMTP connection from ") && strings.Contains(msg, "closed by QUIT"):
		s.Ended, s.EndLine, s.EndWhere, s.Quit = "disconnect", msg, where.String(), true
		e.log.end(e.open, key, s)
	case strings.HasPrefix(msg, "SMTP connection from ") && strings.Contains(msg, "closed by DROP"):
		s.Ended, s.EndLine, s.EndWhere = "disconnect", msg, where.String()
		e.log.end(e.open, key, s)
	case strings.HasPrefix(msg, "SMTP connection from ") && strings.Contains(msg, " lost"),
		strings.HasPrefix(msg, "unexpected disconnection"):
		s.Ended, s.EndLine, s.EndWhere = "lost", msg, where.String()
		e.log.end(e.open, key, s)
	case strings.HasPrefix(msg, "SMTP command timeout"), strings.HasPrefix(msg, "SMTP data timeout"):
		s.Ended, s.EndLine, s.EndWhere = "timeout", msg, where.String()
		e.log.end(e.open, key, s)
	case strings.HasPrefix(msg, "no MAIL in SMTP connection"), strings.HasPrefix(msg, "no host name found"):
		if s.Ended == "" {
			s.Ended, s.EndLine, s.EndWhere = "disconnect", msg, where.String()
		}
		if strings.Contains(msg, "QUIT") {
			s.Quit = true
		}
	}
	return true
}

// finish keeps the sessions still open at the end of the log.
func (e *eximReader) finish() { e.log.endAll(e.open) }
