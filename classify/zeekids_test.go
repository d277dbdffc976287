package classify

import (
	"net/netip"
	"testing"
	"time"
)

// TestCommunityIDVectors: the Community ID of TCP flows from the
// specification's published baseline (seed 0) and Zeek's own tests, both
// directions of each giving the same ID.
func TestCommunityIDVectors(t *testing.T) {
	for _, v := range []struct{ a, b, want string }{
		{"128.232.110.120:34855", "66.35.250.204:80", "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"[2001:470:e5bf:dead:4957:2174:e82c:4887]:63943", "[2607:f8b0:400c:c03::1a]:25", "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
		{"1.2.3.4:1122", "5.6.7.8:3344", "1:wCb3OG7yAFWelaUydu0D+125CLM="},
	} {
		a, b := netip.MustParseAddrPort(v.a), netip.MustParseAddrPort(v.b)
		if got := string(appendCommunityID(nil, a, b)); got != v.want {
			t.Errorf("%s > %s: %s, want %s", a, b, got, v.want)
		}
		if got := string(appendCommunityID(nil, b, a)); got != v.want {
			t.Errorf("%s > %s: %s, want %s", b, a, got, v.want)
		}
	}
}

// TestUIDIsStableAndTellsConnectionsApart: the same connection gets the
// same uid every time; another start time or port, another uid.
func TestUIDIsStableAndTellsConnectionsApart(t *testing.T) {
	at := time.Date(2026, 11, 22, 9, 50, 38, 85717000, time.UTC)
	c, s := netip.MustParseAddrPort("198.51.100.14:40506"), netip.MustParseAddrPort("192.0.2.25:25")
	uid := string(appendUID(nil, at, c, s))
	if len(uid) != 17 || uid[0] != 'C' || uid != string(appendUID(nil, at, c, s)) {
		t.Fatalf("uid %q", uid)
	}
	seen := map[string]bool{uid: true}
	for i := 1; i <= 1000; i++ {
		u := string(appendUID(nil, at.Add(time.Duration(i)*time.Microsecond), c, s))
		v := string(appendUID(nil, at, netip.AddrPortFrom(c.Addr(), c.Port()+uint16(i)), s))
		if seen[u] || seen[v] {
			t.Fatalf("uid collision at %d", i)
		}
		seen[u], seen[v] = true, true
	}
}

// TestSecondsAreWrittenExactly: durations as JSON numbers of seconds, the
// fraction exact and without trailing zeros.
func TestSecondsAreWrittenExactly(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0", 730 * time.Microsecond: "0.00073", 2 * time.Second: "2", 1500 * time.Millisecond: "1.5",
		123456*time.Second + 123456789: "123456.123456789", -time.Millisecond: "-0.001",
	} {
		if got := string(Seconds(d).AppendJSON(nil)); got != want {
			t.Errorf("%v: %s, want %s", d, got, want)
		}
	}
}

// TestEnvelopeIsRecorded: the HELO name, the first sender, every recipient
// and the messages accepted, as Zeek's smtp.log has them; the null sender
// is empty, and a refused message is not counted.
func TestEnvelopeIsRecorded(t *testing.T) {
	r := oneRecord(t, ladder(handshake, []string{
		"S >220 mx ESMTP", "C >EHLO client.example.org", "S >250 mx",
		"C >MAIL FROM:<> SIZE=100", "S >250 Ok",
		"C >RCPT TO:<a@example.net>", "S >250 Ok", "C >RCPT TO:<b@example.net> NOTIFY=NEVER", "S >550 no such user",
		"C >DATA", "S >354 go", "C >>Subject: x\n\nhi\n.\n", "S >250 queued",
		"C >MAIL FROM:<bounce@example.org>", "S >250 Ok", "C >RCPT TO:<a@example.net>", "S >250 Ok",
		"C >DATA", "S >354 go", "C >>Subject: y\n\nho\n.\n", "S >554 rejected",
	}))
	if r.Helo != "client.example.org" || r.MailFrom != "" || len(r.RcptTo) != 3 || r.RcptTo[1] != "b@example.net" || r.Messages != 1 {
		t.Errorf("helo %q, mail_from %q, rcpt_to %q, messages %d", r.Helo, r.MailFrom, r.RcptTo, r.Messages)
	}
	if got := string(commandPath([]byte("RCPT TO:c@d.example\r"))); got != "c@d.example" {
		t.Errorf("RCPT TO without brackets: %q", got)
	}
}
