package classify

import (
	"slices"
	"strings"
	"testing"
)

// flagNames returns the names of a record's flags, sorted.
func flagNames(r Record) []FlagName {
	var n []FlagName
	for _, f := range r.Flags {
		n = append(n, f.Name)
	}
	slices.Sort(n)
	return n
}

func oneRecord(t *testing.T, steps []string) Record {
	t.Helper()
	recs := runLadder(t, 25, steps)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	return recs[0]
}

func TestFirewallMasksBannerEHLOAndCommands(t *testing.T) {
	r := oneRecord(t, ladder(handshake, []string{
		"S >220 ****************2***0*******0****",
		"C >EHLO client.example.org",
		"S >>250-**********************\n250-PIPELINING\n250-XXXXXXXA\n250 8BITMIME\n",
		"C >XXXX XXXXXXXXXXXXXXX",
		"S >500 5.5.1 Command unrecognized",
		"C >QUIT", "S >221 2.0.0 Bye", "S FA", "C FA", "S A",
	}))
	want := []FlagName{FlagBannerMasked, FlagCommandMasked, FlagEHLOMasked}
	if got := flagNames(r); !slices.Equal(got, want) {
		t.Fatalf("flags %v, want %v (%+v)", got, want, r.Flags)
	}
	if r.TLS.Offered {
		t.Error("STARTTLS offered, but the firewall hid it")
	}
	for _, f := range r.Flags {
		if f.Evidence == "" || FlagHelp(f.Name) == "" {
			t.Errorf("flag %s: evidence %q, help %q", f.Name, f.Evidence, FlagHelp(f.Name))
		}
	}
	if i := slices.IndexFunc(r.Flags, func(f Flag) bool { return f.Name == FlagEHLOMasked }); !strings.Contains(r.Flags[i].Evidence, "XXXXXXXA") {
		t.Errorf("ehlo evidence %q", r.Flags[i].Evidence)
	}
}

func TestCleanSessionHasNoFlagsAndNoReason(t *testing.T) {
	r := oneRecord(t, ladder(handshake, []string{
		"S >220 mx.example.net ESMTP 2020",
		"C >EHLO client.example.org", "S >>250-mx\n250-STARTTLS\n250 SIZE 1000\n",
		"C >MAIL FROM:<a@example.org>", "S >250 2.1.0 Ok",
		"C >RCPT TO:<b@example.net>", "S >250 2.1.5 Ok",
		"C >DATA", "S >354 go ahead",
		"C >>Subject: " + strings.Repeat("h", 990) + "\n\nbody\n.\n", "S >250 2.0.0 queued",
		"C >QUIT", "S >221 Bye", "S FA", "C FA", "S A",
	}))
	if len(r.Flags) != 0 || r.Reason != "" || r.Outcome != OutcomeDelivered {
		t.Errorf("flags %+v, reason %q, outcome %s", r.Flags, r.Reason, r.Outcome)
	}
}

func TestInspectionLimitThenReset(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	greet := []string{"S >220 mx ESMTP", "C >EHLO c", "S >250 mx"}
	var rcpts []string
	for i := 1; i <= 100; i++ {
		rcpts = append(rcpts, "C >RCPT TO:<u@example.net>", "S >250 2.1.5 Ok")
	}
	tests := []struct {
		name  string
		steps []string
		want  string
	}{
		{"CommandLine", []string{"C >NOOP " + long(600), "S RA@64"}, "inspection_limit:" + LimitCommandLine},
		{"SenderLength", []string{"C >MAIL FROM:<" + long(321) + "@example.org>", "S RA"}, "inspection_limit:" + LimitSenderLength},
		{"RcptCount", ladder([]string{"C >MAIL FROM:<a@example.org>", "S >250 Ok"}, rcpts, []string{"C >RCPT TO:<u@example.net>", "S RA"}), "inspection_limit:" + LimitRcptCount},
		{"HeaderLine", []string{"C >MAIL FROM:<a@b>", "S >250 Ok", "C >RCPT TO:<c@d>", "S >250 Ok", "C >DATA", "S >354 go",
			"C >>X-Long: " + long(1000) + "\n", "C R"}, "inspection_limit:" + LimitHeaderLine},
		{"AttachmentFilename", []string{"C >MAIL FROM:<a@b>", "S >250 Ok", "C >RCPT TO:<c@d>", "S >250 Ok", "C >DATA", "S >354 go",
			"C >>Subject: x\n\n--b\nContent-Disposition: attachment; filename=\"" + long(256) + ".pdf\"\n\n"}, "inspection_limit:" + LimitAttachmentFilename},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := oneRecord(t, ladder(handshake, greet, tc.steps))
			names := flagNames(r)
			if !slices.Contains(names, FlagName(tc.want)) {
				t.Errorf("flags %+v, want %s", r.Flags, tc.want)
			}
			if tc.name == "CommandLine" != slices.Contains(names, FlagRSTForgedSuspected) {
				t.Errorf("forged-reset flag on %s: %+v", tc.name, r.Flags)
			}
		})
	}
}

func TestLimitCrossedButAnsweredIsNotFlagged(t *testing.T) {
	r := oneRecord(t, ladder(handshake, []string{"S >220 mx ESMTP",
		"C >NOOP " + strings.Repeat("a", 600), "S >250 2.0.0 Ok", "C R"}))
	if len(r.Flags) != 0 {
		t.Errorf("a long command the server answered: flags %+v", r.Flags)
	}
}

func TestForgedResetByTTL(t *testing.T) {
	forged := oneRecord(t, ladder(handshake, []string{"S >220 mx ESMTP", "C >EHLO c", "S RA@64"}))
	if got := flagNames(forged); !slices.Equal(got, []FlagName{FlagRSTForgedSuspected}) {
		t.Fatalf("flags %+v", forged.Flags)
	}
	if ev := forged.Flags[0].Evidence; !strings.Contains(ev, "TTL 64") || !strings.Contains(ev, "TTL 63") {
		t.Errorf("evidence %q", ev)
	}
	own := oneRecord(t, ladder(handshake, []string{"S >220 mx ESMTP", "C >EHLO c", "S RA"}))
	if len(own.Flags) != 0 {
		t.Errorf("the server's own RST: flags %+v", own.Flags)
	}
	// In a capture taken on the server's side, a reset forged towards the
	// server in the client's name stands out the same way.
	client := oneRecord(t, ladder(handshake, []string{"S >220 mx ESMTP", "C R@61"}))
	if got := flagNames(client); !slices.Equal(got, []FlagName{FlagRSTForgedSuspected}) || !strings.HasPrefix(client.Flags[0].Evidence, "client RST") {
		t.Errorf("client-side forged RST: %+v", client.Flags)
	}
}

func TestRefusalReasons(t *testing.T) {
	tests := []struct {
		reply string
		want  string
	}{
		{"553 #5.1.8 Domain of sender address <a@nowhere.invalid> does not exist", ReasonSenderDNS},
		{"450 4.1.8 <a@b.invalid>: Sender address rejected: Domain not found", ReasonSenderDNS},
		{"553 Envelope sender <spam@example.org> rejected", ReasonSenderExceptionTable},
		{"421 Exceeded bad SMTP command limit", ReasonBadCommandLimit},
		{"452 4.5.3 Too many recipients received this hour", ReasonRateLimit},
		{"421 4.7.0 Too many connections from 198.51.100.7", ReasonConnectionLimit},
		{"554 5.7.1 <x@elsewhere>: Relay access denied", ReasonRelayDenied},
		{"550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown in local recipient table", ReasonUnknownUser},
		{"550 5.1.1 mailbox unavailable", ReasonUnknownUser},
		{"450 4.2.0 <u@example.net>: Recipient address rejected: Greylisted, see http://postgrey", ReasonGreylisting},
		{"530 5.7.0 Must issue a STARTTLS command first", ReasonTLSRequired},
		{"554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org", ReasonBlocklisted},
		{"554 5.7.1 <unknown[198.51.100.7]>: Client host rejected: Access denied", ReasonAccessDenied},
		{"550 5.7.26 Unauthenticated email is not accepted due to DMARC policy", "5.7.x security or policy"},
		{"552 5.3.4 Message size exceeds fixed limit", "5.3.x mail system"},
		{"550 no thanks", "5xx permanent failure"},
		{"451 later", "4xx transient failure"},
	}
	for _, tc := range tests {
		r, ok := parseReplyLine([]byte(tc.reply))
		if !ok {
			t.Fatalf("bad reply %q", tc.reply)
		}
		if got := reasonOf(r.code, parseEnhanced(r.text), r.text); got != tc.want {
			t.Errorf("%q: reason %q, want %q", tc.reply, got, tc.want)
		}
	}
}

func TestReasonComesFromTheDecidingReply(t *testing.T) {
	tests := []struct {
		name    string
		steps   []string
		outcome Outcome
		reason  string
	}{
		{"SenderDNS", []string{"C >MAIL FROM:<a@nowhere.invalid>", "S >553 #5.1.8 Domain of sender address <a@nowhere.invalid> does not exist", "C >QUIT", "S >221 bye", "S FA", "C FA"},
			OutcomeSenderRejected, ReasonSenderDNS},
		{"ExceptionTable", []string{"C >MAIL FROM:<spam@example.org>", "S >553 Envelope sender <spam@example.org> rejected", "C >QUIT", "S >221 bye", "S FA", "C FA"},
			OutcomeSenderRejected, ReasonSenderExceptionTable},
		{"BadCommandLimit", []string{"C >FOO", "S >500 unknown", "C >BAR", "S >500 unknown", "S >421 Exceeded bad SMTP command limit", "S FA", "C FA"},
			OutcomeDeferred, ReasonBadCommandLimit},
		{"UnknownUser", []string{"C >MAIL FROM:<a@b>", "S >250 ok", "C >RCPT TO:<nobody@example.net>", "S >550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown", "C >QUIT", "S >221 bye", "S FA", "C FA"},
			OutcomeRecipientRejected, ReasonUnknownUser},
		{"QuitWithoutRefusal", []string{"C >QUIT", "S >221 bye", "S FA", "C FA"}, OutcomeQuit, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := oneRecord(t, ladder(handshake, []string{"S >220 mx ESMTP", "C >EHLO c", "S >250 mx"}, tc.steps))
			if r.Outcome != tc.outcome || r.Reason != tc.reason {
				t.Errorf("outcome %s reason %q, want %s %q", r.Outcome, r.Reason, tc.outcome, tc.reason)
			}
		})
	}
	rej := oneRecord(t, ladder(handshake, []string{"S >554 5.7.1 Access denied", "S FA", "C FA"}))
	if rej.Reason != ReasonAccessDenied {
		t.Errorf("REJECT greeting: reason %q", rej.Reason)
	}
}

func TestForgedResetServerStillSends(t *testing.T) {
	// Same TTL as the server's (the middlebox copied it), but the server
	// retransmits its reply after "its" RST.
	r := oneRecord(t, ladder(handshake, []string{"S >220 mx ESMTP", "C >EHLO c", "S RA", "S >250 mx"}))
	if got := flagNames(r); !slices.Equal(got, []FlagName{FlagRSTForgedSuspected}) || !strings.Contains(r.Flags[0].Evidence, "still sent 1 packet") {
		t.Fatalf("flags %+v", r.Flags)
	}
}
