package report

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/esaflow/esaflow/classify"
)

// appendRecordJSON appends r as one line of compact JSON, byte for byte
// what encoding/json (with HTML escaping off) writes for it, followed by a
// newline. It exists because records are the bulk of the jsonl output and
// encoding/json's reflection was a quarter of the whole run's time;
// TestRecordJSONMatchesEncodingJSON holds the two together. r must be
// normalized (normalizeRecord) first.
func appendRecordJSON(b []byte, r *classify.Record) []byte {
	var tc timeCache
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, r.ID, 10)
	b = appendKeyString(b, `,"uid":`, r.UID)
	b = appendKeyString(b, `,"community_id":`, r.CommunityID)
	b = appendKeyAddr(b, `,"client":"`, r.Client)
	b = appendKeyUint(b, `,"client_port":`, uint64(r.ClientPort))
	b = appendKeyAddr(b, `,"server":"`, r.Server)
	b = appendKeyUint(b, `,"server_port":`, uint64(r.ServerPort))
	b = appendKeyString(b, `,"verdict":`, r.Verdict.String())
	b = appendKeyString(b, `,"outcome":`, r.Outcome.String())
	b = append(b, `,"banner_code":`...)
	b = strconv.AppendInt(b, int64(r.BannerCode), 10)
	b = appendKeyString(b, `,"banner":`, r.Banner)
	b = appendKeyString(b, `,"history":`, r.History)
	b = appendKeyString(b, `,"conn_state":`, r.ConnState)
	b = appendKeyString(b, `,"closed_by":`, r.ClosedBy)
	b = appendKeyTime(b, `,"start":"`, r.Start, &tc)
	b = appendKeyTime(b, `,"end":"`, r.End, &tc)
	b = append(b, `,"duration":`...)
	b = r.Duration.AppendJSON(b)
	b = append(b, `,"replies":`...)
	if r.Replies == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range r.Replies {
			if i > 0 {
				b = append(b, ',')
			}
			rep := &r.Replies[i]
			b = appendKeyString(b, `{"command":`, rep.Command)
			b = append(b, `,"code":`...)
			b = strconv.AppendInt(b, int64(rep.Code), 10)
			if rep.Enhanced != "" {
				b = appendKeyString(b, `,"enhanced":`, rep.Enhanced)
			}
			b = appendKeyString(b, `,"text":`, rep.Text)
			b = appendKeyTime(b, `,"time":"`, rep.Time, &tc)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.RepliesOmitted != 0 {
		b = append(b, `,"replies_omitted":`...)
		b = strconv.AppendInt(b, int64(r.RepliesOmitted), 10)
	}
	b = appendKeyString(b, `,"helo":`, r.Helo)
	b = appendKeyString(b, `,"mail_from":`, r.MailFrom)
	b = append(b, `,"rcpt_to":`...)
	if r.RcptTo == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, rc := range r.RcptTo {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKeyString(b, "", rc)
		}
		b = append(b, ']')
	}
	if r.RcptToOmitted != 0 {
		b = append(b, `,"rcpt_to_omitted":`...)
		b = strconv.AppendInt(b, int64(r.RcptToOmitted), 10)
	}
	b = append(b, `,"messages":`...)
	b = strconv.AppendInt(b, int64(r.Messages), 10)
	t := &r.TLS
	if *t == (classify.TLS{}) {
		// No TLS on the connection: the object is always the same.
		b = append(b, `,"tls":{"offered":false,"attempted":false,"answered":false,"result":""},"flags":`...)
	} else {
		b = appendTLSJSON(b, t)
	}
	if r.Flags == nil {

		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, f := range r.Flags {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKeyString(b, `{"name":`, string(f.Name))
			b = appendKeyString(b, `,"evidence":`, f.Evidence)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendKeyUint(b, `,"client_packets":`, r.ClientPackets)
	b = appendKeyUint(b, `,"server_packets":`, r.ServerPackets)
	b = appendKeyUint(b, `,"client_bytes":`, r.ClientBytes)
	b = appendKeyUint(b, `,"server_bytes":`, r.ServerBytes)
	b = appendKeyUint(b, `,"missed_bytes":`, r.MissedBytes)
	b = appendKeyString(b, `,"reason":`, r.Reason)
	b = appendKeyString(b, `,"explanation":`, r.Explanation)
	if r.MailLog != nil {
		b = appendMailLogJSON(append(b, `,"maillog":`...), r.MailLog)
	}
	return append(b, "}\n"...)
}

// appendMailLogJSON appends the log sessions joined to a connection
// (only with --maillog: encoding/json's speed is enough there).
func appendMailLogJSON(b []byte, ls []classify.LogSession) []byte {
	var buf bytes.Buffer
	if err := newJSONEncoder(&buf).Encode(ls); err != nil {
		return append(b, "null"...)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

func appendKeyUint(b []byte, key string, v uint64) []byte {
	return strconv.AppendUint(append(b, key...), v, 10)
}

func appendKeyBool(b []byte, key string, v bool) []byte {
	return strconv.AppendBool(append(b, key...), v)
}

func appendKeyString(b []byte, key, s string) []byte {
	return appendJSONString(append(b, key...), s)
}

// appendOptString writes key and s unless s is empty (omitempty).
func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendKeyString(b, key, s)
}

// appendKeyAddr writes an address as encoding/json does through its
// MarshalText: "" for the zero address.
func appendKeyAddr(b []byte, key string, a netip.Addr) []byte {
	b = append(b, key...) // with the opening quote
	if a.IsValid() {
		b = a.AppendTo(b)
	}
	return append(b, '"')
}

// appendKeyTime writes a time as time.Time.MarshalJSON does.
func appendKeyTime(b []byte, key string, t time.Time, tc *timeCache) []byte {
	b = append(b, key...) // with the opening quote
	b = tc.appendRFC3339Nano(b, t)
	return append(b, '"')
}

// timeCache remembers the date and clock of the last second formatted:
// the times of one record (start, end, every reply) mostly fall in the
// same second, and working them out is most of formatting a time.
type timeCache struct {
	sec    int64
	ok     bool
	prefix [19]byte // 2006-01-02T15:04:05
}

// appendRFC3339Nano appends t as time.RFC3339Nano formats it. Records'
// times are in UTC and are formatted by hand, in a third of the time the
// general formatter takes; others go to it.
func (c *timeCache) appendRFC3339Nano(b []byte, t time.Time) []byte {
	if t.Location() != time.UTC {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	if sec := t.Unix(); !c.ok || sec != c.sec {
		y, mo, d := t.Date()
		if y < 0 || y > 9999 {
			return t.AppendFormat(b, time.RFC3339Nano)
		}
		h, mi, s := t.Clock()
		c.prefix = [19]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
			byte('0' + mo/10), byte('0' + mo%10), '-', byte('0' + d/10), byte('0' + d%10), 'T',
			byte('0' + h/10), byte('0' + h%10), ':', byte('0' + mi/10), byte('0' + mi%10), ':', byte('0' + s/10), byte('0' + s%10)}
		c.sec, c.ok = sec, true
	}
	b = append(b, c.prefix[:]...)
	if ns := t.Nanosecond(); ns != 0 {
		// Nine digits, two at a time, straight into b, then the trailing
		// zeros dropped. (Built in an array and appended, the digits were
		// read back in 16-byte moves over 2-byte stores: a stall.)
		d0, d1, d2, d3 := ns/10000000*2, ns/100000%100*2, ns/1000%100*2, ns/10%100*2
		b = append(b, '.', digitPairs[d0], digitPairs[d0+1], digitPairs[d1], digitPairs[d1+1],
			digitPairs[d2], digitPairs[d2+1], digitPairs[d3], digitPairs[d3+1], byte('0'+ns%10))
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return append(b, 'Z')
}

const hexDigits = "0123456789abcdef"

// digitPairs holds "00" to "99", two bytes each.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// plain8 reports whether none of the eight bytes in x needs escaping in a
// JSON string: each is printable ASCII other than '"' and '\\'.
func plain8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	// A byte of 0x80 or more, a byte under 0x20, or a byte equal to '"'
	// or '\\' (zero after the xor) sets its high bit in one of these.
	bad := x | (x - ones*0x20) | (quote-ones)&^quote | (backslash-ones)&^backslash
	return bad&highs == 0
}

// appendJSONString quotes s as encoding/json does with HTML escaping off:
// '"' and '\\' and control characters escaped, invalid UTF-8 replaced by
// U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs escaping: most text
		// from the wire is plain ASCII.
		for i+8 <= len(s) && plain8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendTLSJSON writes the "tls" object of a connection that saw TLS,
// and the key of the "flags" that follow it.
func appendTLSJSON(b []byte, t *classify.TLS) []byte {
	b = appendKeyBool(b, `,"tls":{"offered":`, t.Offered)
	b = appendKeyBool(b, `,"attempted":`, t.Attempted)
	if t.Implicit {
		b = append(b, `,"implicit":true`...)
	}
	b = appendKeyBool(b, `,"answered":`, t.Answered)
	b = appendKeyString(b, `,"result":`, t.Result)
	b = appendOptString(b, `,"version":`, t.Version)
	b = appendOptString(b, `,"cipher":`, t.Cipher)
	b = appendOptString(b, `,"cert_subject":`, t.CertSubject)
	b = appendOptString(b, `,"cert_issuer":`, t.CertIssuer)
	b = appendOptString(b, `,"alert":`, t.Alert)
	b = appendOptString(b, `,"alert_from":`, t.AlertFrom)
	if t.Decrypted {
		b = append(b, `,"decrypted":true`...)
	}
	b = appendOptString(b, `,"decryption":`, t.Decryption)
	return append(b, `},"flags":`...)
}
