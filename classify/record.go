package classify

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Record is the decided result for one TCP connection: everything needed to
// explain its verdict from the output alone. All strings that come from the
// wire (banner, commands, reply texts) are already escaped with Escape, so
// renderers may print them as they are.
//
// The JSON field names are a public contract, documented in the README.
type Record struct {
	// ID numbers connections from 1 in the order their first packet
	// appears in the input.
	ID uint64 `json:"id"`
	// UID is a stable connection identifier in the manner of Zeek's uid
	// ("C" and 16 letters and digits, from the start time and the
	// endpoints): the same connection in the same capture has the same UID
	// in every run.
	UID string `json:"uid"`
	// CommunityID is the connection's Community ID (version 1, seed 0), the
	// flow hash Zeek, Suricata and many SIEMs share, to join esaflow's
	// records with theirs.
	CommunityID string     `json:"community_id"`
	Client      netip.Addr `json:"client"`
	ClientPort  uint16     `json:"client_port"`
	Server      netip.Addr `json:"server"`
	ServerPort  uint16     `json:"server_port"`
	Verdict     Verdict    `json:"verdict"`
	Outcome     Outcome    `json:"outcome"`
	// BannerCode is the code of the server's first reply (0 if none).
	BannerCode int `json:"banner_code"`
	// Banner is the text of the server's first reply line, escaped.
	Banner string `json:"banner"`
	// History is the connection's history in Zeek conn.log notation:
	// upper case for the client, lower case for the server.
	History string `json:"history"`
	// ConnState is the conn_state Zeek would assign (S0, SF, REJ, RSTR, ...).
	ConnState string `json:"conn_state"`
	// ClosedBy tells who closed first and how: "server FIN", "client RST",
	// or "" when no close was seen.
	ClosedBy string    `json:"closed_by"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// Duration is End less Start, in seconds (Zeek's conn.log duration).
	Duration Seconds `json:"duration"`
	// Replies lists every server reply with the command it answered, in
	// order; the greeting has command "", the reply to the end of a message
	// has command ".". At most MaxReplies are kept;
	// RepliesOmitted counts the rest.
	Replies        []Reply `json:"replies"`
	RepliesOmitted int     `json:"replies_omitted,omitempty"`
	// Helo is the name the client's first HELO or EHLO gave, MailFrom the
	// path of its first MAIL FROM ("" for the null sender <> as for none),
	// RcptTo the paths of its RCPT TO commands (at most MaxRcptTo;
	// RcptToOmitted counts the rest), all escaped, and Messages the
	// messages the server accepted (a 2xx to the end of DATA or to BDAT
	// LAST): Zeek's smtp.log helo, mailfrom and rcptto.
	Helo          string   `json:"helo"`
	MailFrom      string   `json:"mail_from"`
	RcptTo        []string `json:"rcpt_to"`
	RcptToOmitted int      `json:"rcpt_to_omitted,omitempty"`
	Messages      int      `json:"messages"`
	// Transactions are its mail transactions, in order (at most
	// MaxTransactions; TransactionsOmitted counts the rest): not in the
	// connection's JSON, but one line each in the transactions output.
	Transactions        []Transaction `json:"-"`
	TransactionsOmitted int           `json:"-"`
	// TLS tells what happened with STARTTLS or implicit TLS.
	TLS TLS `json:"tls"`
	// Flags name what a middlebox or the capture itself did to the
	// connection (see Flag and FlagHelp); empty when nothing was noticed.
	Flags []Flag `json:"flags"`
	// Packets and payload bytes each way.
	ClientPackets uint64 `json:"client_packets"`
	ServerPackets uint64 `json:"server_packets"`
	ClientBytes   uint64 `json:"client_bytes"`
	ServerBytes   uint64 `json:"server_bytes"`
	// MissedBytes counts the payload bytes, both ways, that were on the
	// wire but are not in the capture (Zeek's missed_bytes): cut by the
	// snap length or lost by the capture. See FlagMissedBytes.
	MissedBytes uint64 `json:"missed_bytes"`
	// Reason names why the server refused the client, its sender, its
	// recipients or its message, from the deciding reply's text and
	// enhanced status code (see Reasons), or "" when nothing was refused.
	Reason string `json:"reason"`
	// Explanation tells in words how the verdict and outcome were decided
	// (e.g. "server RST in 1.2ms after the handshake, no server payload").
	Explanation string `json:"explanation"`
	// MailLog holds the sessions of the mail server's log joined to the
	// connection (package maillog, --maillog); nil without a log.
	MailLog []LogSession `json:"maillog,omitempty"`
}

// LogSession is a connection as the mail server's own log tells it
// (package maillog fills it; its strings are escaped log text).
type LogSession struct {
	// Format is "postfix" or "esa"; Where the file and line of its first
	// line; ID the log's name for it (smtpd[PID], postscreen[PID], the
	// ESA's ICID).
	Format string `json:"format"`
	Where  string `json:"where"`
	ID     string `json:"id"`
	// Start is the time of its first line.
	Start time.Time `json:"start"`
	// Verdict is what the log says the server did ("ACCEPT", "REJECT",
	// "TEMPFAIL", "TCPREFUSE", or "" when it says nothing of it), Reply
	// the line or reply that says so.
	Verdict string `json:"verdict"`
	Reply   string `json:"reply,omitempty"`
	// QueueIDs are the queue IDs (Postfix) or MIDs (the ESA) of its
	// messages.
	QueueIDs []string `json:"queue_ids"`
	// SenderGroup and Policy are the ESA's sender group and the rule it
	// matched.
	SenderGroup string `json:"sender_group,omitempty"`
	Policy      string `json:"policy,omitempty"`
	// TLS is "success" or "failed" when the log says; Ended how the log
	// says the session ended: "disconnect", "lost", "timeout" or "".
	TLS   string `json:"tls,omitempty"`
	Ended string `json:"ended"`
}

// MaxReplies bounds the replies kept per connection, so that a session
// with thousands of RCPT commands keeps bounded memory.
const MaxReplies = 64

// MaxRcptTo bounds the recipients kept per connection.
const MaxRcptTo = 100

// Reply is one server reply and the command it answered.
type Reply struct {
	// Command is the client command line it answered, escaped: "" for the
	// greeting, "." for the end of a message; AUTH arguments and the
	// client's AUTH exchange lines are replaced by "***".
	Command string `json:"command"`
	Code    int    `json:"code"`
	// Enhanced is the RFC 3463 enhanced status code, e.g. "5.1.8", or "".
	Enhanced string `json:"enhanced,omitempty"`
	// Text is the reply text without code, lines of a multi-line reply
	// joined by "\n", escaped.
	Text string `json:"text"`
	// Time is the timestamp of the packet that completed the reply.
	Time time.Time `json:"time"`
}

// TLS records what happened with TLS on the connection: STARTTLS in the
// SMTP dialogue, or TLS from the first byte on an implicit-TLS port (465).
// The handshake fields come from the records in clear: the ServerHello
// (version, cipher suite), the server's Certificate (TLS 1.2 and older
// only: TLS 1.3 encrypts it) and any alert sent before the switch to
// encrypted records.
type TLS struct {
	// Offered: the server's EHLO reply listed STARTTLS.
	Offered bool `json:"offered"`
	// Attempted: the client sent STARTTLS (or spoke TLS on an implicit-TLS
	// port).
	Attempted bool `json:"attempted"`
	// Implicit: TLS from the first byte, without STARTTLS.
	Implicit bool `json:"implicit,omitempty"`
	// Answered: the server replied to STARTTLS (with any code).
	Answered bool `json:"answered"`
	// Result is "" (not attempted), "ok" (220 and the handshake went on),
	// "refused" (a non-220 reply), "handshake_failed" (alert or close
	// during the handshake) or "unknown" (the capture ended first).
	Result string `json:"result"`
	// Version is the protocol version the ServerHello chose, as OpenSSL
	// names it ("TLSv1.2", "TLSv1.3").
	Version string `json:"version,omitempty"`
	// Cipher is the IANA name of the cipher suite the ServerHello chose.
	Cipher string `json:"cipher,omitempty"`
	// CertSubject and CertIssuer are the distinguished names of the
	// server's leaf certificate, escaped (TLS 1.2 and older).
	CertSubject string `json:"cert_subject,omitempty"`
	CertIssuer  string `json:"cert_issuer,omitempty"`
	// Alert is the description of the first TLS alert sent in clear
	// (e.g. "protocol_version"), and AlertFrom who sent it ("client" or
	// "server").
	Alert     string `json:"alert,omitempty"`
	AlertFrom string `json:"alert_from,omitempty"`
	// Decrypted: a key log decrypted the session and its dialogue was
	// followed inside TLS (the outcome is then what it shows); the key is
	// left out when false, as the other TLS details are when empty.
	Decrypted bool `json:"decrypted,omitempty"`
	// Decryption says why a session was not decrypted although a key log
	// was given: "no_keys" (none for its client random),
	// "keys_do_not_match" (they fail to authenticate its records),
	// "unsupported" (a version or cipher suite esaflow does not decrypt),
	// "handshake_not_seen"; "" otherwise.
	Decryption string `json:"decryption,omitempty"`
}

// Flag is one thing esaflow noticed about a connection beyond its verdict:
// the marks of a firewall's SMTP inspection, a reset forged by a
// middlebox. Name is one of the flag names documented on FlagHelp, for
// inspection limits followed by ":" and the limit; Evidence tells what in
// the capture shows it, in one line.
type Flag struct {
	Name     FlagName `json:"name"`
	Evidence string   `json:"evidence"`
}

// Clone returns a copy of r that shares no memory with it: its strings
// and lists outlive the session that made r (see Machine.Reset), so a
// consumer may keep it for as long as it likes.
func (r *Record) Clone() Record {
	c := *r
	c.UID, c.CommunityID = strings.Clone(r.UID), strings.Clone(r.CommunityID)
	c.Banner = strings.Clone(r.Banner)
	c.History = strings.Clone(r.History)
	c.ConnState = strings.Clone(r.ConnState)
	c.ClosedBy = strings.Clone(r.ClosedBy)
	c.Reason = strings.Clone(r.Reason)
	c.Explanation = strings.Clone(r.Explanation)
	if r.Replies != nil {
		c.Replies = make([]Reply, len(r.Replies))
		for i, rp := range r.Replies {
			rp.Command, rp.Enhanced, rp.Text = strings.Clone(rp.Command), strings.Clone(rp.Enhanced), strings.Clone(rp.Text)
			c.Replies[i] = rp
		}
	}
	c.Helo, c.MailFrom = strings.Clone(r.Helo), strings.Clone(r.MailFrom)
	if r.RcptTo != nil {
		c.RcptTo = make([]string, len(r.RcptTo))
		for i, s := range r.RcptTo {
			c.RcptTo[i] = strings.Clone(s)
		}
	}
	if r.Transactions != nil {
		c.Transactions = make([]Transaction, len(r.Transactions))
		for i, tx := range r.Transactions {
			tx.MailFrom, tx.LastText = strings.Clone(tx.MailFrom), strings.Clone(tx.LastText)
			c.Transactions[i] = tx
		}
	}
	if r.Flags != nil {
		c.Flags = make([]Flag, len(r.Flags))
		for i, f := range r.Flags {
			c.Flags[i] = Flag{Name: FlagName(strings.Clone(string(f.Name))), Evidence: strings.Clone(f.Evidence)}
		}
	}
	if r.MailLog != nil {
		c.MailLog = make([]LogSession, len(r.MailLog))
		for i, l := range r.MailLog {
			l.QueueIDs = slices.Clone(l.QueueIDs)
			c.MailLog[i] = l // its strings are the log's, not the session's arena
		}
	}
	t := &c.TLS
	t.Result, t.Version, t.Cipher = strings.Clone(t.Result), strings.Clone(t.Version), strings.Clone(t.Cipher)
	t.CertSubject, t.CertIssuer = strings.Clone(t.CertSubject), strings.Clone(t.CertIssuer)
	t.Alert, t.AlertFrom = strings.Clone(t.Alert), strings.Clone(t.AlertFrom)
	t.Decryption = strings.Clone(t.Decryption)
	return c
}
