package classify

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/esaflow/esaflow/flow"
)

// inspection gathers, for one session, the marks a firewall's SMTP
// inspection leaves (masked greeting, masked EHLO keywords, X'd commands)
// and the first client line that crossed one of its default limits.
type inspection struct {
	bannerMasked  string   // the masked greeting, escaped
	ehloMasked    []string // masked EHLO keywords, escaped (bounded)
	commandMasked string   // the X'd command and its reply, escaped
	// limit is the first limit crossed, with what crossed it and how many
	// replies had been completed at that moment.
	limit struct {
		name, what string
		replies    int
		at         time.Time
	}
	rcpts int // RCPT commands in the current transaction
}

// Inspection limits of Cisco's ESMTP inspection (its defaults).
const (
	limitCommandLine = 512 // octets of a command line, CRLF included
	limitRcpts       = 100 // recipients per message
	limitHeaderLine  = 998 // octets of a header line, CRLF excluded
	limitSender      = 320 // octets of the envelope sender address
	limitFilename    = 255 // octets of a MIME attachment's file name
)

// isMaskedBanner reports whether a greeting text is a firewall's mask:
// asterisks, with only the characters '2' and '0' (and spaces) left, as
// Cisco's ESMTP inspection writes it ("****2***0****0***").
func isMaskedBanner(text []byte) bool {
	stars, other := 0, 0
	for _, c := range text {
		switch c {
		case '*':
			stars++
		case '2', '0', ' ', '\r':
			other++
		default:
			return false
		}
	}
	return stars >= 4 && stars >= other
}

// isMaskedKeyword reports whether an EHLO keyword was masked with X's
// ("XXXXXXXA" for STARTTLS on Cisco's inspection): at least four X's,
// optionally ending in one other capital letter.
func isMaskedKeyword(kw []byte) bool {
	if len(kw) > 0 && kw[len(kw)-1] != 'X' && kw[len(kw)-1] >= 'A' && kw[len(kw)-1] <= 'Z' {
		kw = kw[:len(kw)-1]
	}
	if len(kw) < 4 {
		return false
	}
	for _, c := range kw {
		if c != 'X' {
			return false
		}
	}
	return true
}

// isMaskedCommand reports whether a client command line is all X's (and
// spaces), as an inspecting firewall rewrites commands it does not allow.
func isMaskedCommand(line []byte) bool {
	xs := 0
	for _, c := range trimCR(line) {
		switch c {
		case 'X':
			xs++
		case ' ':
		default:
			return false
		}
	}
	return xs >= 3
}

// crossed remembers the first inspection limit a client line crossed.
func (in *inspection) crossed(name, what string, replies int, t time.Time) {
	if in.limit.name == "" {
		in.limit.name, in.limit.what, in.limit.replies, in.limit.at = name, what, replies, t
	}
}

// checkCommand looks at one client command line for the limits on
// command length, recipients and sender length. n is its full length on
// the wire without the LF.
func (in *inspection) checkCommand(v verb, line []byte, n, replies int, t time.Time) {
	if n+1 > limitCommandLine {
		in.crossed(LimitCommandLine, fmt.Sprintf("a %d-octet command line (limit %d)", n+1, limitCommandLine), replies, t)
	}
	switch v {
	case verbMAIL:
		in.rcpts = 0
		if a := angleAddr(line); len(a) > limitSender {
			in.crossed(LimitSenderLength, fmt.Sprintf("a %d-octet envelope sender (limit %d)", len(a), limitSender), replies, t)
		}
	case verbRSET:
		in.rcpts = 0
	case verbRCPT:
		in.rcpts++
		if in.rcpts == limitRcpts+1 {
			in.crossed(LimitRcptCount, fmt.Sprintf("RCPT number %d (limit %d)", in.rcpts, limitRcpts), replies, t)
		}
	}
}

// angleAddr returns the address between the first '<' and the last '>' of
// a MAIL or RCPT line, or the rest of the line after the colon.
func angleAddr(line []byte) []byte {
	i := bytes.IndexByte(line, '<')
	j := bytes.LastIndexByte(line, '>')
	if i >= 0 && j > i {
		return line[i+1 : j]
	}
	if k := bytes.IndexByte(line, ':'); k >= 0 {
		return bytes.TrimSpace(trimCR(line[k+1:]))
	}
	return nil
}

// flags returns the inspection flags of a session that ended as it did.
// cut is true when the connection was reset or never closed (stalled).
func (in *inspection) flags(replies int, cut bool, cutHow string) []Flag {
	var out []Flag
	if in.bannerMasked != "" {
		out = append(out, Flag{FlagBannerMasked, "greeting " + in.bannerMasked})
	}
	if len(in.ehloMasked) > 0 {
		out = append(out, Flag{FlagEHLOMasked, "EHLO reply keywords " + strings.Join(in.ehloMasked, ", ")})
	}
	if in.commandMasked != "" {
		out = append(out, Flag{FlagCommandMasked, in.commandMasked})
	}
	if in.limit.name != "" && replies == in.limit.replies && cut {
		out = append(out, Flag{FlagInspectionLimit + ":" + FlagName(in.limit.name),
			"the client sent " + in.limit.what + ", then " + cutHow + " came with no reply in between"})
	}
	return out
}

// ttlSet is the set of IP TTLs (hop limits) seen on one side's packets.
type ttlSet [4]uint64

func (t *ttlSet) add(v uint8)      { t[v>>6] |= 1 << (v & 63) }
func (t *ttlSet) has(v uint8) bool { return t[v>>6]&(1<<(v&63)) != 0 }
func (t *ttlSet) empty() bool      { return t[0]|t[1]|t[2]|t[3] == 0 }
func (t *ttlSet) String() string {
	var b bytes.Buffer
	for v := 0; v < 256; v++ {
		if t.has(uint8(v)) {
			if b.Len() > 0 {
				b.WriteByte('/')
			}
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}

// resets follows the TTLs of each side's packets and of the first RST
// each side is said to have sent, and what that side still sent after
// it, to tell forged resets.
type resets struct {
	ttl    [2]ttlSet // TTLs of the packets other than RSTs, per side
	rst    [2]bool
	rstTTL [2]uint8
	rstAt  [2]time.Time
	// after counts each side's packets after its own RST, afterTTL
	// their TTLs and afterAt the first one's time.
	after    [2]int
	afterTTL [2]uint8 // the first one's
	afterAt  [2]time.Time
}

// event notes the TTL of one connection event.
func (r *resets) event(e *flow.Event) {
	switch e.Kind {
	case flow.EventRST, flow.EventRefused:
		if !r.rst[e.Dir] {
			r.rst[e.Dir], r.rstTTL[e.Dir], r.rstAt[e.Dir] = true, e.TTL, e.Time
		}
	case flow.EventAfterRST:
		if r.after[e.Dir] == 0 {
			r.afterAt[e.Dir], r.afterTTL[e.Dir] = e.Time, e.TTL
		}
		r.after[e.Dir]++
	default:
		r.ttl[e.Dir].add(e.TTL)
	}
}

// flag returns rst_forged_suspected when a side's RST carries a TTL none
// of that side's other packets had, or when that side kept sending after
// it; the evidence says which.
func (r *resets) flag() (Flag, bool) {
	for _, d := range []flow.Direction{flow.ServerToClient, flow.ClientToServer} {
		if !r.rst[d] {
			continue
		}
		var ev []string
		if !r.ttl[d].empty() && !r.ttl[d].has(r.rstTTL[d]) {
			ev = append(ev, fmt.Sprintf("%s RST with TTL %d, the %s's other packets TTL %s", d, r.rstTTL[d], d, r.ttl[d].String()))
		}
		if r.after[d] > 0 {
			ev = append(ev, fmt.Sprintf("the %s still sent %d packet(s), the first (TTL %d) %s after its RST",
				d, r.after[d], r.afterTTL[d], dur(r.afterAt[d].Sub(r.rstAt[d]))))
		}
		if len(ev) > 0 {
			return Flag{FlagRSTForgedSuspected, strings.Join(ev, "; ")}, true
		}
	}
	return Flag{}, false
}
