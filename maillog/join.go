package maillog

import (
	"fmt"
	"slices"
	"time"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/report"
)

// Tolerance is how far apart a session's first log line and its
// connection's packets may be and still be joined: the log's one-second
// precision and a little clock skew between the server and the capture.
const Tolerance = 2 * time.Second

// MaxListed bounds the sessions not on the wire listed in the statistics.
const MaxListed = 1000

// Renderer returns next behind a join with the log: each connection gets
// the sessions of its client the log has from its start to its end
// (within Tolerance, nearest first; a session joins one connection), and
// the flags FlagLogWireMismatch and FlagNotInLog where the two disagree;
// the statistics get MailLogStats. Finish must have been called.
//
// Records are changed in place before next gets them: the MailLog and
// Flags lists are new ones, never the caller's.
func (l *Log) Renderer(next report.Renderer) report.Renderer {
	j := &joiner{next: next, log: l, byClient: map[string][]*Session{}, used: map[*Session]bool{}}
	return j
}

type joiner struct {
	next     report.Renderer
	log      *Log
	byClient map[string][]*Session
	used     map[*Session]bool
	first    time.Time // the earliest and latest packet of the joined connections
	last     time.Time
	logFrom  time.Time // the log's first session start and last session end
	logTo    time.Time
	st       report.MailLogStats
	indexed  bool
}

// index resolves the log's times against the first connection (when no
// year was given) and groups the sessions by client.
func (j *joiner) index(r *classify.Record) {
	j.indexed = true
	if !j.log.resolved {
		t := r.Start.UTC()
		j.log.resolve(t.Year(), t.Month())
	}
	for i, s := range j.log.sessions {
		k := s.Client.String()
		j.byClient[k] = append(j.byClient[k], s)
		if i == 0 {
			j.logFrom = s.Start // the sessions are in order of their start
		}
		if s.End.After(j.logTo) {
			j.logTo = s.End
		}
	}
}

// covers tells whether the log's time covers t: the log has a session
// starting before t and one ending after it.
func (j *joiner) covers(t time.Time) bool {
	return len(j.log.sessions) > 0 && !t.Before(j.logFrom.Add(-Tolerance)) && !t.After(j.logTo.Add(Tolerance))
}

// Connection joins r to its sessions, then hands it on.
func (j *joiner) Connection(r *classify.Record) error {
	if !j.indexed {
		j.index(r)
	}
	if j.first.IsZero() || r.Start.Before(j.first) {
		j.first = r.Start
	}
	if r.End.After(j.last) {
		j.last = r.End
	}
	var joined []*Session
	var smtpd, screen bool // one session of each kind: postscreen hands the client to smtpd
	for _, s := range j.byClient[r.Client.Unmap().String()] {
		if j.used[s] || s.ClientPort != 0 && s.ClientPort != r.ClientPort {
			continue
		}
		if s.Start.Before(r.Start.Add(-Tolerance)) || s.Start.After(r.End.Add(Tolerance)) {
			continue
		}
		isScreen := s.ClientPort != 0
		if isScreen && screen || !isScreen && smtpd {
			continue
		}
		joined = append(joined, s)
		j.used[s] = true
		if isScreen {
			screen = true
		} else {
			smtpd = true
		}
	}
	r.MailLog = nil
	for _, s := range joined {
		r.MailLog = append(r.MailLog, s.record())
	}
	var flags []classify.Flag
	switch {
	case len(joined) == 0 && j.expected(r):
		flags = append(flags, classify.Flag{Name: classify.FlagNotInLog,
			Evidence: fmt.Sprintf("the log has no session of %s within %s of %s, a time it covers", r.Client, Tolerance, r.Start.UTC().Format(time.DateTime))})
		j.st.NotInLog++
	case len(joined) > 0:
		if e := mismatch(r, joined); e != "" {
			flags = append(flags, classify.Flag{Name: classify.FlagLogWireMismatch, Evidence: e})
			j.st.Mismatches++
		}
	}
	if len(flags) > 0 {
		r.Flags = append(slices.Clip(r.Flags), flags...)
	}
	j.st.Joined += len(joined)
	return j.next.Connection(r)
}

// expected tells whether the server should have logged r: the log covers
// its time, and something answered the client's SYN and accepted the
// connection (a port closed, a SYN unanswered or a capture begun mid-way
// leaves the server nothing to log).
func (j *joiner) expected(r *classify.Record) bool {
	switch r.Verdict {
	case classify.VerdictPortClosed, classify.VerdictNoAnswer, classify.VerdictIncomplete, classify.VerdictAbandoned:
		return false
	}
	return j.covers(r.Start)
}

// mismatch returns the evidence of a disagreement between the packets of
// r and the sessions the log has of it, or "".
func mismatch(r *classify.Record, ss []*Session) string {
	// The verdicts the server decides; the others are the client's
	// doing (ABANDONED) or the capture's (INCOMPLETE), which no log
	// line contradicts.
	serverSide := false
	switch r.Verdict {
	case classify.VerdictAccept, classify.VerdictReject, classify.VerdictTempfail, classify.VerdictTCPRefuse, classify.VerdictSilentClose:
		serverSide = true
	}
	for _, s := range ss {
		if serverSide && s.Verdict != VerdictNone && string(s.Verdict) != r.Verdict.String() {
			return fmt.Sprintf("the log says %s (%s: %q), the packets %s", s.Verdict, s.Where, clip(s.Reply), r.Verdict)
		}
	}
	forged := slices.ContainsFunc(r.Flags, func(f classify.Flag) bool { return f.Name == classify.FlagRSTForgedSuspected })
	serverReset := r.ClosedBy == "server RST" || forged
	for _, s := range ss {
		if !serverReset || s.Passed || s.Verdict != VerdictAccept && s.Verdict != VerdictNone {
			continue // a server that refused may reset: its own reset
		}
		switch s.Ended {
		case "disconnect":
			return fmt.Sprintf("the client got a reset from the server's address, but the server logged a normal end (%s: %q): the reset did not come from it", s.EndWhere, clip(s.EndLine))
		case "lost", "timeout":
			if !forged {
				continue // its own host reset it (a killed socket): the server saw it lost
			}
			return fmt.Sprintf("the client got a reset from the server's address, but the server logged that the client went away (%s: %q): neither reset the other, something between them did", s.EndWhere, clip(s.EndLine))
		}
	}
	return ""
}

// clip shortens log text quoted as evidence.
func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// Finish adds the statistics of the join and finishes next.
func (j *joiner) Finish(st *report.Stats) error {
	if st == nil {
		st = &report.Stats{}
	}
	j.st.Files, j.st.Lines, j.st.Unparsed, j.st.Sessions = j.log.Files, j.log.Lines, j.log.Unparsed, len(j.log.sessions)
	j.st.NotOnWireSessions = []report.NotOnWire{}
	if j.indexed {
		for _, s := range j.log.sessions {
			if j.used[s] || s.Passed || s.Start.Before(j.first.Add(-Tolerance)) || s.Start.After(j.last.Add(Tolerance)) {
				continue
			}
			j.st.NotOnWire++
			if len(j.st.NotOnWireSessions) < MaxListed {
				j.st.NotOnWireSessions = append(j.st.NotOnWireSessions, report.NotOnWire{Client: s.Client.String(), LogSession: s.record()})
			}
		}
	}
	st.MailLog = &j.st
	return j.next.Finish(st)
}
