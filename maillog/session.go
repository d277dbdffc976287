package maillog

import (
	"net/netip"
	"time"
)

// Format is the kind of log a session comes from.
type Format uint8

const (
	// FormatPostfix: Postfix's smtpd and postscreen lines.
	FormatPostfix Format = iota + 1
	// FormatESA: the Cisco Email Security Appliance's mail_logs.
	FormatESA
	// FormatExim: Exim's mainlog.
	FormatExim
)

// String returns "postfix" or "esa".
func (f Format) String() string {
	switch f {
	case FormatPostfix:
		return "postfix"
	case FormatESA:
		return "esa"
	case FormatExim:
		return "exim"
	}
	return ""
}

// Verdict is what the log says the server did with the connection, in
// esaflow's words.
type Verdict string

// The verdicts a log states. VerdictNone: the log shows the session but
// says nothing the wire's verdict could be held to.
const (
	VerdictNone      Verdict = ""
	VerdictAccept    Verdict = "ACCEPT"
	VerdictReject    Verdict = "REJECT"
	VerdictTempfail  Verdict = "TEMPFAIL"
	VerdictTCPRefuse Verdict = "TCPREFUSE"
)

// Session is one connection as the server logged it.
type Session struct {
	Format Format
	// Where is the file and line of the session's first line.
	Where string
	// ID is the log's name for the session: Postfix's "smtpd[PID]" or
	// "postscreen[PID]", the ESA's ICID.
	ID     string
	Client netip.Addr
	// ClientPort is the client's port when the log gives it (postscreen
	// does; smtpd and the ESA do not): 0 otherwise.
	ClientPort uint16
	// Start and End are the times of its first and last lines; stamp
	// holds them until the year and zone are known.
	Start, End time.Time
	start, end stamp
	// QueueIDs are Postfix's queue IDs and the ESA's MIDs of the
	// messages of the session.
	QueueIDs []string
	// Verdict is what the log says of the connection; Reply the refusing
	// reply or the line that decided it.
	Verdict Verdict
	Reply   string
	// SenderGroup and Policy are the ESA's sender group and mail flow
	// policy ("SG ... match ..."), "" elsewhere.
	SenderGroup, Policy string
	// TLS is "success" or "failed" when the log says.
	TLS string
	// Ended tells how the log says the session ended: "disconnect"
	// (Postfix's normal end, the ESA's "close"), "lost" (lost connection,
	// the ESA's "lost"), "timeout", or "" when the log does not say.
	Ended string
	// EndLine is the line that said it, EndWhere its file and line.
	EndLine, EndWhere string
	// Quit: Postfix's disconnect counted a QUIT.
	Quit bool
	// Passed: a postscreen session that handed the client to smtpd.
	Passed bool
}
