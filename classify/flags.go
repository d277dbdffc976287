package classify

import "strings"

// Flag names. A firewall running SMTP inspection in front of the server
// (Cisco ASA/PIX "inspect esmtp" and its kin) rewrites the dialogue in
// recognisable ways, and cuts sessions that cross its limits with resets
// it sends in the server's name.
const (
	// FlagBannerMasked: the greeting's text is asterisks except for the
	// characters "2", "0", "0" (e.g. "220 ****2***0****0***").
	FlagBannerMasked = "banner_masked"
	// FlagEHLOMasked: keywords of the EHLO reply are replaced by X's
	// (e.g. "250-XXXXXXXA", which hides STARTTLS from the client).
	FlagEHLOMasked = "ehlo_masked"
	// FlagCommandMasked: a client command arrived as X's and the server
	// answered it as an unknown command (500-class reply).
	FlagCommandMasked = "command_masked"
	// FlagInspectionLimit: the connection was reset, or stalled with no
	// reply, right after a client segment that crossed one of the
	// inspection's default limits; the flag name carries the limit after
	// a colon (e.g. "inspection_limit:rcpt_count_100").
	FlagInspectionLimit = "inspection_limit"
	// FlagRSTForgedSuspected: a reset in the server's name that the
	// server probably did not send (its IP TTL differs from the server's
	// own packets, or the server kept sending after it).
	FlagRSTForgedSuspected = "rst_forged_suspected"
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
var flagHelp = map[string]string{
	FlagBannerMasked:       "a firewall's SMTP inspection masked the server's greeting; " + firewallRemedy,
	FlagEHLOMasked:         "a firewall's SMTP inspection masked EHLO keywords (hiding STARTTLS: mail goes unencrypted); " + firewallRemedy,
	FlagCommandMasked:      "a firewall's SMTP inspection replaced a command it does not know by X's, so the server refused it; " + firewallRemedy,
	FlagInspectionLimit:    "the session was cut right after crossing a default limit of a firewall's SMTP inspection; " + firewallRemedy,
	FlagRSTForgedSuspected: "the reset probably came from a middlebox (firewall, IPS) in the server's name, not from the server; look at the devices between client and server",
}

// FlagHelp returns the one-line explanation, with the usual remedy, of a
// flag name ("inspection_limit:rcpt_count_100" is explained as
// "inspection_limit"), or "" for an unknown name.
func FlagHelp(name string) string {
	if base, _, ok := strings.Cut(name, ":"); ok {
		name = base
	}
	return flagHelp[name]
}
