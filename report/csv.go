package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// csvHeader names the CSV columns.
var csvHeader = []string{
	"id", "uid", "community_id", "client", "client_port", "server", "server_port",
	"verdict", "outcome", "banner_code", "banner", "history", "conn_state", "closed_by",
	"start", "end", "duration",
	"client_packets", "server_packets", "client_bytes", "server_bytes", "missed_bytes",
	"tls_offered", "tls_attempted", "tls_result", "tls_version", "tls_cipher",
	"tls_cert_subject", "tls_cert_issuer", "tls_alert", "tls_alert_from",
	"tls_decrypted", "tls_decryption",
	"reason", "flags", "explanation", "replies",
	"helo", "mail_from", "rcpt_to", "messages", "maillog",
}

// csvRenderer prints a header line, then one row per connection as it is
// decided (memory follows the open connections, not the decided ones).
type csvRenderer struct {
	w    io.Writer
	cw   *csv.Writer
	done bool
}

// header writes the header line once.
func (c *csvRenderer) header() error {
	if c.cw != nil {
		return nil
	}
	c.cw = csv.NewWriter(c.w)
	return c.cw.Write(csvHeader)
}

// Connection writes r's row.
func (c *csvRenderer) Connection(r *classify.Record) error {
	if c.done {
		return errFinished
	}
	if err := c.header(); err != nil {
		return err
	}
	n := *r
	if !isNormal(r) {
		n = normalizeRecord(r)
	}
	row := csvRow(&n)
	for j := range row {
		row[j] = csvSafe(row[j])
	}
	return c.cw.Write(row)
}

// Finish writes the header if no row came, and flushes.
func (c *csvRenderer) Finish(*Stats) error {
	if c.done {
		return errFinished
	}
	c.done = true
	if err := c.header(); err != nil {
		return err
	}
	c.cw.Flush()
	return c.cw.Error()
}

// csvRow returns the CSV fields of r, in the order of csvHeader.
func csvRow(r *classify.Record) []string {
	u := strconv.FormatUint
	return []string{
		u(r.ID, 10), r.UID, r.CommunityID,
		addrString(r.Client), u(uint64(r.ClientPort), 10),
		addrString(r.Server), u(uint64(r.ServerPort), 10),
		r.Verdict.String(), r.Outcome.String(),
		strconv.Itoa(r.BannerCode), r.Banner,
		r.History, r.ConnState, r.ClosedBy,
		csvTime(r.Start), csvTime(r.End), string(r.Duration.AppendJSON(nil)),
		u(r.ClientPackets, 10), u(r.ServerPackets, 10),
		u(r.ClientBytes, 10), u(r.ServerBytes, 10), u(r.MissedBytes, 10),
		strconv.FormatBool(r.TLS.Offered),
		strconv.FormatBool(r.TLS.Attempted),
		r.TLS.Result, r.TLS.Version, r.TLS.Cipher,
		r.TLS.CertSubject, r.TLS.CertIssuer, r.TLS.Alert, r.TLS.AlertFrom,
		strconv.FormatBool(r.TLS.Decrypted), r.TLS.Decryption,
		r.Reason, csvFlags(r.Flags), r.Explanation,
		csvReplies(r),
		r.Helo, r.MailFrom, strings.Join(r.RcptTo, " "), strconv.Itoa(r.Messages), csvMailLog(r.MailLog),
	}
}

// addrString formats addr; an invalid address is empty.
func addrString(addr netip.Addr) string {
	if !addr.IsValid() {
		return ""
	}
	return addr.String()
}

// csvTime formats t like JSON does: RFC 3339 with nanoseconds, in UTC. The
// zero time is empty.
func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// csvFlags formats flags as "name: evidence" items joined by " | ".
func csvFlags(flags []classify.Flag) string {
	items := make([]string, len(flags))
	for i, f := range flags {
		items[i] = string(f.Name) + ": " + f.Evidence
	}
	return strings.Join(items, " | ")
}

// csvReplies formats the replies of r as "CMD => CODE text" items joined by
// " | ". The greeting, which answers no command, is just "CODE text". The
// enhanced code is added when the text does not already start with it.
// Newlines inside texts become " / ". Omitted replies are counted at the
// end.
func csvReplies(r *classify.Record) string {
	items := make([]string, 0, len(r.Replies)+1)
	for _, rep := range r.Replies {
		reply := strconv.Itoa(rep.Code)
		if rep.Enhanced != "" && !strings.HasPrefix(rep.Text, rep.Enhanced) {
			reply += " " + rep.Enhanced
		}
		if rep.Text != "" {
			reply += " " + strings.ReplaceAll(rep.Text, "\n", " / ")
		}
		if rep.Command != "" {
			reply = strings.ReplaceAll(rep.Command, "\n", " / ") + " => " + reply
		}
		items = append(items, reply)
	}
	if r.RepliesOmitted > 0 {
		items = append(items, fmt.Sprintf("(%d more replies omitted)", r.RepliesOmitted))
	}
	return strings.Join(items, " | ")
}

// csvSafe neutralises a cell that a spreadsheet would take for a formula,
// as OWASP's "CSV Injection" guidance recommends: one starting with =, +,
// -, @, a tab or a CR gets a leading single quote, which Excel and
// LibreOffice show as text and do not evaluate. Banners, commands and
// reply texts come from the wire: a hostile server's "=HYPERLINK(...)"
// banner must stay text in the admin's spreadsheet.
func csvSafe(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// csvMailLog is the log sessions of a connection in one cell: each as
// "ID VERDICT ended QUEUEIDS", joined by " | ".
func csvMailLog(ls []classify.LogSession) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = strings.TrimSpace(strings.Join(append([]string{l.ID, l.Verdict, l.Ended}, l.QueueIDs...), " "))
	}
	return strings.Join(parts, " | ")
}
