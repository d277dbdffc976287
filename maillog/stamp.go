package maillog

import (
	"strconv"
	"strings"
	"time"
)

// stamp is a log line's time as written: with or without a year, with or
// without a zone, until Options (or the packets) say which.
type stamp struct {
	year        int // 0: the line has none (syslog)
	month       time.Month
	day         int
	nsec        int64 // since midnight
	zoned       bool  // t is complete (RFC 3339 with an offset)
	t           time.Time
	valid       bool
	secondsOnly bool // the line's precision is a second
}

// resolve returns the time, in year (when the line has none) and loc
// (when it has no zone).
func (s stamp) resolve(year int, loc *time.Location) time.Time {
	if s.zoned {
		return s.t
	}
	if s.year != 0 {
		year = s.year
	}
	return time.Date(year, s.month, s.day, 0, 0, 0, 0, loc).Add(time.Duration(s.nsec))
}

var months = map[string]time.Month{"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
	"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}

// clock parses "hh:mm:ss" (with an optional fraction) into nanoseconds
// since midnight.
func clock(s string) (int64, bool) {
	frac := ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i+1:]
	}
	p := strings.Split(s, ":")
	if len(p) != 3 {
		return 0, false
	}
	var v [3]int
	for i, x := range p {
		n, err := strconv.Atoi(x)
		if err != nil || len(x) != 2 {
			return 0, false
		}
		v[i] = n
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 60 {
		return 0, false
	}
	ns := int64(v[0]*3600+v[1]*60+v[2]) * int64(time.Second)
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return 0, false
		}
		ns += int64(f * float64(time.Second))
	}
	return ns, true
}

// syslogStamp reads the timestamp a syslog line starts with, and returns
// the rest of the line: "Dec  5 14:03:47 " (RFC 3164, no year, no zone)
// or "2026-12-05T14:03:47.123456+00:00 " (RFC 3339, as rsyslog's high
// precision format and journalctl -o short-iso write it).
func syslogStamp(line string) (stamp, string, bool) {
	if len(line) > 20 && line[4] == '-' && line[10] == 'T' {
		sp := strings.IndexByte(line, ' ')
		if sp < 0 {
			return stamp{}, "", false
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
			if t, err := time.Parse(layout, line[:sp]); err == nil {
				return stamp{zoned: true, t: t, valid: true}, line[sp+1:], true
			}
		}
		// No zone: a local time.
		if t, err := time.Parse("2006-01-02T15:04:05.999999999", line[:sp]); err == nil {
			return stamp{year: t.Year(), month: t.Month(), day: t.Day(), nsec: int64(t.Sub(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC))), valid: true}, line[sp+1:], true
		}
		return stamp{}, "", false
	}
	if len(line) < 16 {
		return stamp{}, "", false
	}
	m, ok := months[line[:3]]
	if !ok || line[3] != ' ' {
		return stamp{}, "", false
	}
	rest := strings.TrimLeft(line[4:], " ")
	sp := strings.IndexByte(rest, ' ')
	if sp < 0 {
		return stamp{}, "", false
	}
	day, err := strconv.Atoi(rest[:sp])
	if err != nil || day < 1 || day > 31 {
		return stamp{}, "", false
	}
	rest = rest[sp+1:]
	sp = strings.IndexByte(rest, ' ')
	if sp < 0 {
		return stamp{}, "", false
	}
	ns, ok := clock(rest[:sp])
	if !ok {
		return stamp{}, "", false
	}
	return stamp{month: m, day: day, nsec: ns, valid: true, secondsOnly: !strings.Contains(rest[:sp], ".")}, rest[sp+1:], true
}

// esaStamp reads the timestamp an ESA mail_logs line starts with: "Wed
// Jul 20 19:47:40 2005 " (a year, no zone), and returns the rest.
func esaStamp(line string) (stamp, string, bool) {
	var f [5]string
	rest := line
	for i := range f {
		rest = strings.TrimLeft(rest, " ")
		sp := strings.IndexByte(rest, ' ')
		if sp < 0 {
			return stamp{}, "", false
		}
		f[i], rest = rest[:sp], rest[sp+1:]
	}
	m, ok := months[f[1]]
	if !ok || len(f[0]) != 3 {
		return stamp{}, "", false
	}
	day, err := strconv.Atoi(f[2])
	if err != nil || day < 1 || day > 31 {
		return stamp{}, "", false
	}
	ns, ok := clock(f[3])
	if !ok {
		return stamp{}, "", false
	}
	year, err := strconv.Atoi(f[4])
	if err != nil || year < 1970 || year > 9999 {
		return stamp{}, "", false
	}
	return stamp{year: year, month: m, day: day, nsec: ns, valid: true, secondsOnly: true}, rest, true
}
