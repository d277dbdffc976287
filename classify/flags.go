package classify

import "strings"

// FlagName names one thing esaflow noticed about a connection beyond its
// verdict (Flag.Name): one of the constants below, or, for an inspection
// limit, FlagInspectionLimit, a colon and one of the Limit constants.
type FlagName string

// Flag names. A firewall running SMTP inspection in front of the server
// (Cisco ASA/PIX "inspect esmtp" and its kin) rewrites the dialogue in
// recognisable ways, and cuts sessions that cross its limits with resets
// it sends in the server's name.
const (
	// FlagBannerMasked: the greeting's text is asterisks except for the
	// characters "2", "0", "0" (e.g. "220 ****2***0****0***").
	FlagBannerMasked FlagName = "banner_masked"
	// FlagEHLOMasked: keywords of the EHLO reply are replaced by X's
	// (e.g. "250-XXXXXXXA", which hides STARTTLS from the client).
	FlagEHLOMasked FlagName = "ehlo_masked"
	// FlagCommandMasked: a client command arrived as X's and the server
	// answered it as an unknown command (500-class reply).
	FlagCommandMasked FlagName = "command_masked"
	// FlagInspectionLimit: the connection was reset, or stalled with no
	// reply, right after a client segment that crossed one of the
	// inspection's default limits; the flag name carries the limit after
	// a colon (e.g. "inspection_limit:rcpt_count_100").
	FlagInspectionLimit FlagName = "inspection_limit"
	// FlagRSTForgedSuspected: a reset in the server's name that the
	// server probably did not send (its IP TTL differs from the server's
	// own packets, or the server kept sending after it).
	FlagRSTForgedSuspected FlagName = "rst_forged_suspected"
)

// Flag names about the capture itself and about sessions that leave the
// common path. A capture taken elsewhere than beside the server (a SPAN
// port mirroring one direction, asymmetric routing, a small snap length,
// a capture that dropped packets) holds less than the wire carried; these
// flags say what is missing, so that a verdict is read for what it is.
const (
	// FlagServerNotCaptured: no packet of the server is in the capture,
	// yet the client's packets show the connection went on past its SYN
	// (pure ACKs, payload, a FIN): the server's side is missing, not
	// silent.
	FlagServerNotCaptured FlagName = "server_not_captured"
	// FlagClientNotCaptured: no packet of the client is in the capture;
	// the verdict is what the server's packets alone show.
	FlagClientNotCaptured FlagName = "client_not_captured"
	// FlagMissedBytes: payload bytes were on the wire (the IP length or
	// the sequence numbers say so) but are not in the capture: a snap
	// length cut them, or the capture lost packets. Lines are never read
	// across the hole.
	FlagMissedBytes FlagName = "missed_bytes"
	// FlagPlaintextOnTLSPort: the server greeted in clear text on an
	// implicit-TLS port (465), where the session should start with TLS.
	FlagPlaintextOnTLSPort FlagName = "plaintext_on_tls_port"
	// FlagPlaintextAfterSTARTTLS: STARTTLS was answered 220 but the
	// session went on in clear-text SMTP: a decrypted export, or a
	// middlebox that stripped STARTTLS.
	FlagPlaintextAfterSTARTTLS FlagName = "plaintext_after_starttls"
	// FlagMalformedReply: a server line is not an RFC 5321 reply (section
	// 4.2: a three-digit code, then a space or a hyphen); where it carries
	// an enhanced status code alone, its class is taken from that.
	FlagMalformedReply FlagName = "malformed_reply"
	// FlagReassemblyLimit: more out-of-order data was held for a
	// direction than the reassembly bound allows, and the bytes missing
	// before it were given up (the capture lost packets, or the sender
	// ordered its segments to exhaust memory).
	FlagReassemblyLimit FlagName = "reassembly_limit"
	// FlagLogWireMismatch: the mail server's log (--maillog) says
	// otherwise than the packets: another verdict, or a normal end where
	// the client saw a reset. Set by package maillog.
	FlagLogWireMismatch FlagName = "log_wire_mismatch"
	// FlagNotInLog: the server's log covers the connection's time but
	// has no session of its client then: something else answered it (a
	// proxy, a firewall), or the log misses it. Set by package maillog.
	FlagNotInLog FlagName = "not_in_log"
)

// Inspection limits, the suffixes of FlagInspectionLimit: the defaults of
// Cisco's ESMTP inspection.
const (
	LimitCommandLine        = "command_line_512"
	LimitRcptCount          = "rcpt_count_100"
	LimitHeaderLine         = "header_line_998"
	LimitSenderLength       = "sender_length_320"
	LimitAttachmentFilename = "attachment_filename_255"
)

// firewallRemedy is the usual cure for every inspection flag.
const firewallRemedy = "remedy: disable ESMTP inspection on the firewall for the gateway's address (e.g. ASA: no inspect esmtp)"

// flagHelp holds the one-line explanation of each flag name.
var flagHelp = map[FlagName]string{
	FlagBannerMasked:           "a firewall's SMTP inspection masked the server's greeting; " + firewallRemedy,
	FlagEHLOMasked:             "a firewall's SMTP inspection masked EHLO keywords (hiding STARTTLS: mail goes unencrypted); " + firewallRemedy,
	FlagCommandMasked:          "a firewall's SMTP inspection replaced a command it does not know by X's, so the server refused it; " + firewallRemedy,
	FlagInspectionLimit:        "the session was cut right after crossing a default limit of a firewall's SMTP inspection; " + firewallRemedy,
	FlagServerNotCaptured:      "the capture holds only the client's packets (one direction mirrored, asymmetric routing, tcpdump -Q): the server answered, but what it said is not in the capture; capture both directions",
	FlagClientNotCaptured:      "the capture holds only the server's packets: the verdict comes from the server's side alone; capture both directions",
	FlagMissedBytes:            "payload on the wire is missing from the capture (snap length too small, or packets dropped): verdicts rest on what was captured; capture with tcpdump -s 0 and watch the drop counts",
	FlagPlaintextOnTLSPort:     "the server speaks clear-text SMTP on an implicit-TLS port: clients that expect TLS there fail; check the server's port configuration (e.g. Postfix smtpd_tls_wrappermode=yes on 465)",
	FlagPlaintextAfterSTARTTLS: "the session went on in clear text after STARTTLS was accepted: either a decrypted export of a TLS session, or a middlebox stripping STARTTLS (an attack on the session's confidentiality); check the path if the capture is raw",
	FlagMalformedReply:         "the server sent lines that are not SMTP replies; the verdict reads them as far as their enhanced status code allows",
	FlagRSTForgedSuspected:     "the reset probably came from a middlebox (firewall, IPS) in the server's name, not from the server; look at the devices between client and server",
	FlagLogWireMismatch:        "the mail server's log and the packets disagree: what the server logged is not what the client was shown (a middlebox answered or cut the session, or the log is of another host)",
	FlagNotInLog:               "the mail server's log has no session for this connection in the time it covers: something in front of the server (proxy, firewall, load balancer) answered it, or the log is incomplete",
}

// FlagHelp returns the one-line explanation, with the usual remedy, of a
// flag name ("inspection_limit:rcpt_count_100" is explained as
// "inspection_limit"), or "" for an unknown name.
func FlagHelp(name FlagName) string {
	if base, _, ok := strings.Cut(string(name), ":"); ok {
		name = FlagName(base)
	}
	return flagHelp[name]
}
