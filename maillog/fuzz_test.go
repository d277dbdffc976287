package maillog

import (
	"strings"
	"testing"
	"time"
)

// FuzzRead: no log text makes Read, Finish or the join's time resolution
// panic, and every line is counted.
func FuzzRead(f *testing.F) {
	f.Add("Dec  5 14:03:47 mx postfix/smtpd[1]: connect from unknown[198.51.100.1]\nDec  5 14:03:48 mx postfix/smtpd[1]: NOQUEUE: reject: CONNECT from unknown[198.51.100.1]: 554 5.7.1 no\n")
	f.Add("Dec  5 14:03:47 mx postfix/postscreen[2]: CONNECT from [198.51.100.2]:4000 to [192.0.2.25]:25\nDec  5 14:03:48 mx postfix/postscreen[2]: PASS NEW [198.51.100.2]:4000\n")
	f.Add("Wed Jul 20 19:47:40 2005 Info: New SMTP ICID 1 interface A (1.2.3.4) address 198.51.100.3 reverse dns host x verified no\nWed Jul 20 19:47:40 2005 Info: ICID 1 TCPREFUSE SG B match C SBRS None\nWed Jul 20 19:47:40 2005 Info: Start MID 9 ICID 1\n")
	f.Add("2026-12-05 15:10:02 SMTP connection from [198.51.100.4]:4567 (TCP/IP connection count = 1)\n2026-12-05 15:10:02 1vQ-000A-01 <= a@b H=(c) [198.51.100.4]:4567 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 S=300\n2026-12-05 15:10:03 SMTP connection from (c) [198.51.100.4]:4567 closed by QUIT\n")
	f.Fuzz(func(t *testing.T, text string) {
		l := New(Options{})
		if err := l.Read("f", strings.NewReader(text)); err != nil {
			return // a line over the bound
		}
		l.Finish()
		l.resolve(2026, time.June)
		if l.Used+l.Unparsed > l.Lines {
			t.Errorf("%d used + %d unparsed > %d lines", l.Used, l.Unparsed, l.Lines)
		}
		for _, s := range l.Sessions() {
			_ = s.record()
		}
	})
}
