package classify

import (
	"bytes"
	"strings"
)

// Named refusal reasons, the values of Record.Reason besides the RFC 3463
// fallback ("5.7.x security or policy"). Each is recognised from the
// deciding reply's text (case-insensitive) and enhanced status code.
const (
	// ReasonSenderDNS: the gateway's sender DNS verification, e.g. "553
	// #5.1.8 Domain of sender address <a@b> does not exist", Postfix's
	// "Sender address rejected: Domain not found".
	ReasonSenderDNS = "sender_dns_verification"
	// ReasonSenderExceptionTable: an exception-table reject, e.g. "553
	// Envelope sender <a@b> rejected".
	ReasonSenderExceptionTable = "sender_exception_table"
	// ReasonBadCommandLimit: "421 Exceeded bad SMTP command limit" and
	// the like: the server hung up on a client that erred too often.
	ReasonBadCommandLimit = "bad_command_limit"
	// ReasonRateLimit: a message, recipient or connection rate limit.
	ReasonRateLimit = "rate_limit"
	// ReasonConnectionLimit: too many connections at once.
	ReasonConnectionLimit = "connection_limit"
	// ReasonRelayDenied: the server is not a relay for the recipient.
	ReasonRelayDenied = "relay_denied"
	// ReasonUnknownUser: the recipient does not exist (X.1.1).
	ReasonUnknownUser = "unknown_user"
	// ReasonGreylisting: a temporary refusal to see whether the client
	// comes back.
	ReasonGreylisting = "greylisting"
	// ReasonTLSRequired: the server wants STARTTLS first (530).
	ReasonTLSRequired = "tls_required"
	// ReasonBlocklisted: the client's address is on a DNS block list.
	ReasonBlocklisted = "blocklisted"
	// ReasonAccessDenied: the client's address is refused by an access
	// table ("Access denied", "Client host rejected").
	ReasonAccessDenied = "access_denied"
)

// reasonRule recognises one named reason.
type reasonRule struct {
	name     string
	enhanced string     // enhanced code prefix that suffices alone, or ""
	all      [][]string // any group whose phrases all occur matches
}

// reasonRules are tried in order; the first match names the reason.
var reasonRules = []reasonRule{
	{ReasonSenderDNS, "", [][]string{{"domain of sender address", "does not exist"}, {"sender address rejected", "domain not found"}, {"sender domain", "does not resolve"}}},
	{ReasonSenderExceptionTable, "", [][]string{{"envelope sender", "rejected"}}},
	{ReasonBadCommandLimit, "", [][]string{{"bad smtp command limit"}, {"too many bad commands"}, {"too many errors"}, {"too many invalid commands"}}},
	{ReasonConnectionLimit, "", [][]string{{"too many connections"}, {"too many concurrent"}, {"connection limit"}, {"maximum number of connections"}}},
	{ReasonRateLimit, "", [][]string{{"rate limit"}, {"rate exceeded"}, {"too many messages"}, {"too many recipients"}, {"this hour"}, {"throttl"}}},
	{ReasonTLSRequired, "", [][]string{{"must issue a starttls"}, {"tls required"}, {"starttls first"}, {"encryption required"}}},
	{ReasonRelayDenied, "", [][]string{{"relay access denied"}, {"relaying denied"}, {"relay not permitted"}, {"unable to relay"}, {"relay denied"}}},
	{ReasonUnknownUser, "", [][]string{{"user unknown"}, {"unknown user"}, {"no such user"}, {"mailbox not found"}, {"recipient not found"}}},
	{ReasonGreylisting, "", [][]string{{"greylist"}, {"graylist"}, {"grey-list"}, {"gray-list"}}},
	{ReasonBlocklisted, "", [][]string{{"blocked using"}, {"blacklisted"}, {"blocklisted"}, {"dnsbl"}, {"listed at"}, {"spamhaus"}}},
	{ReasonAccessDenied, "", [][]string{{"access denied"}, {"client host rejected"}, {"not allowed"}}},
	{ReasonUnknownUser, "5.1.1", nil},
	{ReasonTLSRequired, "5.7.11", nil},
}

// subjects are RFC 3463's status code subjects.
var subjects = [...]string{
	"other or undefined", "addressing", "mailbox", "mail system",
	"network and routing", "mail delivery protocol", "message content or media",
	"security or policy",
}

// reasonOf names why a reply refused: a named reason when its text or
// enhanced code is recognised, else its RFC 3463 class and subject
// ("5.7.x security or policy"), else its basic code's class ("5xx
// permanent failure").
func reasonOf(code int, enhanced string, text []byte) string {
	if code == 530 {
		return ReasonTLSRequired
	}
	lower := bytes.ToLower(text)
	for _, r := range reasonRules {
		if r.enhanced != "" && enhanced == r.enhanced {
			return r.name
		}
		for _, group := range r.all {
			if containsAll(lower, group) {
				return r.name
			}
		}
	}
	if len(enhanced) >= 3 {
		cls, sub, _ := strings.Cut(enhanced, ".")
		sub, _, _ = strings.Cut(sub, ".")
		if len(sub) == 1 && sub[0] >= '0' && sub[0] <= '7' {
			return cls + "." + sub + ".x " + subjects[sub[0]-'0']
		}
	}
	switch code / 100 {
	case 4:
		return "4xx transient failure"
	case 5:
		return "5xx permanent failure"
	}
	return ""
}

func containsAll(s []byte, phrases []string) bool {
	for _, p := range phrases {
		if !bytes.Contains(s, []byte(p)) {
			return false
		}
	}
	return true
}

// refusal is a kept copy of one refusing reply.
type refusal struct {
	set      bool
	code     int
	enhanced string
	text     []byte // bounded
}

func (r *refusal) keep(code int, enhanced string, text []byte) {
	if r.set {
		return
	}
	r.set, r.code, r.enhanced = true, code, enhanced
	r.text = append([]byte(nil), text[:min(len(text), 512)]...)
}

func (r *refusal) reason() string {
	if !r.set {
		return ""
	}
	return reasonOf(r.code, r.enhanced, r.text)
}

// refs returns the session's refusals, making them at the first use.
func (s *session) refs() *refusals {
	if s.refusals == nil {
		s.refusals = new(refusals)
	}
	return s.refusals
}

// refusals keeps the first refusing reply of each kind a verdict or
// outcome can be decided by.
type refusals struct {
	greeting, sender, rcpt, data, deferred, tls, hangup, any refusal
}
