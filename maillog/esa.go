package maillog

import (
	"net/netip"
	"strings"
)

// esaReader follows the ESA's incoming connections by ICID.
type esaReader struct {
	log  *Log
	open map[string]*Session
}

func newESAReader(l *Log) *esaReader {
	return &esaReader{log: l, open: map[string]*Session{}}
}

// line reads one mail_logs message; it reports whether it belonged to a
// session.
func (e *esaReader) line(where linePos, st stamp, msg string) bool {
	f := strings.Fields(msg)
	switch {
	case len(f) >= 4 && strings.EqualFold(f[0], "New") && strings.EqualFold(f[1], "SMTP") && f[2] == "ICID":
		// "New SMTP ICID 282204970 interface Management (10.10.10.1)
		// address 192.168.1.1 reverse dns host unknown verified no"
		icid := f[3]
		var addr netip.Addr
		for i := 4; i+1 < len(f); i++ {
			if f[i] == "address" {
				if a, err := netip.ParseAddr(f[i+1]); err == nil {
					addr = a.Unmap()
				}
				break
			}
		}
		if !addr.IsValid() {
			return false
		}
		if old := e.open[icid]; old != nil {
			e.log.end(e.open, icid, old)
		}
		e.open[icid] = &Session{Format: FormatESA, Where: where.String(), ID: "ICID " + icid, Client: addr, start: st, end: st}
		return true
	case len(f) >= 5 && f[0] == "Start" && f[1] == "MID" && f[3] == "ICID":
		// "Start MID 200257070 ICID 282204970"
		s := e.open[f[4]]
		if s == nil {
			return false
		}
		s.end = st
		s.QueueIDs = append(s.QueueIDs, "MID "+f[2])
		return true
	case len(f) >= 3 && f[0] == "ICID":
		s := e.open[f[1]]
		if s == nil {
			return false
		}
		s.end = st
		switch f[2] {
		case "ACCEPT", "RELAY", "REJECT", "TCPREFUSE", "TEMPFAIL":
			// "ICID 282204970 ACCEPT SG None match SBRS None"
			switch f[2] {
			case "ACCEPT", "RELAY":
				s.Verdict = VerdictAccept
			case "REJECT":
				s.Verdict = VerdictReject
			case "TCPREFUSE":
				s.Verdict = VerdictTCPRefuse
			case "TEMPFAIL":
				s.Verdict = VerdictTempfail
			}
			s.Reply = msg
			for i := 3; i+1 < len(f); i++ {
				switch f[i] {
				case "SG":
					s.SenderGroup = f[i+1]
				case "match":
					s.Policy = f[i+1]
				}
			}
		case "TLS":
			if len(f) >= 4 {
				switch {
				case strings.HasPrefix(f[3], "success"):
					s.TLS = "success"
				case strings.HasPrefix(f[3], "failed"):
					s.TLS = "failed"
				default:
					if s.Reply == "" {
						s.Reply = msg
					}
				}
			}
		case "lost":
			s.Ended, s.EndLine, s.EndWhere = "lost", msg, where.String()
		case "close":
			if s.Ended == "" {
				s.Ended = "disconnect"
			}
			if s.EndLine == "" {
				s.EndLine, s.EndWhere = msg, where.String()
			}
			e.log.end(e.open, f[1], s)
		}
		return true
	}
	return false
}

// finish keeps the sessions still open at the end of the log.
func (e *esaReader) finish() { e.log.endAll(e.open) }
