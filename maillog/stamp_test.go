package maillog

import (
	"strings"
	"testing"
	"time"
)

// TestLineTimestamps: syslog's RFC 3164 stamp (no year, no zone, a padded
// day), RFC 3339 with and without an offset, and the ESA's (a year, no
// zone); lines without one are not read.
func TestLineTimestamps(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tc := range []struct {
		line string
		esa  bool
		want time.Time // resolved in 2026 and Paris
		rest string
	}{
		{"Dec  5 14:03:47 mx postfix/smtpd[1]: connect", false, time.Date(2026, 12, 5, 14, 3, 47, 0, paris), "mx postfix/smtpd[1]: connect"},
		{"Dec 15 04:03:47.250 mx x: y", false, time.Date(2026, 12, 15, 4, 3, 47, 250e6, paris), "mx x: y"},
		{"2026-12-05T14:03:47.123456+00:00 mx x: y", false, time.Date(2026, 12, 5, 14, 3, 47, 123456000, time.UTC), "mx x: y"},
		{"2025-06-01T10:00:00 mx x: y", false, time.Date(2025, 6, 1, 10, 0, 0, 0, paris), "mx x: y"},
		{"Wed Jul 20 19:47:40 2005 Info: New SMTP ICID 1", true, time.Date(2005, 7, 20, 19, 47, 40, 0, paris), "Info: New SMTP ICID 1"},
		{"Tue Jun  7 09:08:49 2005 Info: x", true, time.Date(2005, 6, 7, 9, 8, 49, 0, paris), "Info: x"},
		{"2026-12-05 15:10:02 SMTP connection from x", false, time.Date(2026, 12, 5, 15, 10, 2, 0, paris), "SMTP connection from x"},
		{"2026-12-05 15:10:02.250 +0100 [123] H=x", false, time.Date(2026, 12, 5, 14, 10, 2, 250e6, time.UTC), "H=x"},
	} {
		read := syslogStamp
		if tc.esa {
			read = esaStamp
		} else if tc.line[10] == ' ' {
			read = eximStamp
		}
		st, rest, ok := read(tc.line)
		if !ok || rest != tc.rest || !st.resolve(2026, paris).Equal(tc.want) {
			t.Errorf("%q: %v %q %v, want %v %q", tc.line, ok, rest, st.resolve(2026, paris), tc.want, tc.rest)
		}
	}
	for _, bad := range []string{"", "hello world", "Foo  5 14:03:47 x", "Dec 32 14:03:47 x y", "Dec  5 25:03:47 x y", "2026-13-05T14:03:47Z x"} {
		if _, _, ok := syslogStamp(bad); ok {
			t.Errorf("%q read as a syslog line", bad)
		}
	}
}

// TestSyslogYearFollowsThePackets: without --maillog-year, a log of
// December 31 joined to packets of January 1 is of the year before, and
// one of January 1 with packets of December 31 of the year after.
func TestSyslogYearFollowsThePackets(t *testing.T) {
	l := New(Options{})
	l.Read("a.log", strings.NewReader("Dec 31 23:59:59 mx postfix/smtpd[1]: connect from unknown[198.51.100.1]\nJan  1 00:00:01 mx postfix/smtpd[1]: disconnect from unknown[198.51.100.1] quit=1\n"))
	l.Finish()
	l.resolve(2027, time.January)
	s := l.Sessions()[0]
	if want := time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC); !s.Start.Equal(want) || !s.End.Equal(want.Add(2*time.Second)) {
		t.Errorf("start %v, end %v, want %v and two seconds later", s.Start, s.End, want)
	}
	l = New(Options{Year: 2020, Location: time.FixedZone("X", 3600)})
	l.Read("a.log", strings.NewReader("Mar  1 10:00:00 mx postfix/smtpd[1]: connect from unknown[198.51.100.1]\n"))
	l.Finish()
	if want := time.Date(2020, 3, 1, 9, 0, 0, 0, time.UTC); !l.Sessions()[0].Start.Equal(want) {
		t.Errorf("with a year and a zone: %v, want %v", l.Sessions()[0].Start.UTC(), want)
	}
}
