package classify

import (
	"bytes"
	"strconv"
)

// replyLine is one parsed server line.
type replyLine struct {
	code int
	last bool   // "ddd " or "ddd": the final line of a reply
	text []byte // after the code and separator
}

// parseReplyLine parses "ddd-text", "ddd text" or "ddd". ok is false when
// the line is not a reply line.
func parseReplyLine(line []byte) (r replyLine, ok bool) {
	r.code, r.text, r.last, ok = parseReply(line)
	return r, ok
}

// parseReply is parseReplyLine with the parts as results of their own:
// kept in registers, where a replyLine built by the inlined parser was
// copied from one stack slot to another in 16-byte moves over its 1- and
// 8-byte stores, a store-forwarding stall on every server line.
func parseReply(line []byte) (code int, text []byte, last, ok bool) {
	line = trimCR(line)
	if len(line) < 3 {
		return 0, nil, false, false
	}
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return 0, nil, false, false
		}
	}
	if line[0] < '1' || line[0] > '5' {
		return 0, nil, false, false
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	switch {
	case len(line) == 3:
		return code, nil, true, true
	case line[3] == ' ':
		return code, line[4:], true, true
	case line[3] == '-':
		return code, line[4:], false, true
	}
	return 0, nil, false, false
}

// parseEnhancedOnly parses a server line that carries an RFC 3463
// enhanced status code where RFC 5321 section 4.2 wants the three-digit
// reply code ("4.7.0 Try again later"): not a reply, but its class is
// plain. code is the class times 100 (400 here), text the whole line.
func parseEnhancedOnly(line []byte) (code int, text []byte, ok bool) {
	line = trimCR(line)
	from, to := enhancedAt(line)
	if to == 0 || from != 0 {
		return 0, nil, false
	}
	return int(line[0]-'0') * 100, line, true
}

// parseEnhanced returns the RFC 3463 enhanced status code at the start of
// a reply text ("5.1.8 ..." or the Cisco form "#5.1.8 ..."), or "".
// The class digit must be 2, 4 or 5; subject and detail are 1 to 3 digits.
func parseEnhanced(text []byte) string {
	from, to := enhancedAt(text)
	return string(text[from:to])
}

// enhancedAt returns where parseEnhanced's code is in text: text[from:to],
// empty when there is none.
func enhancedAt(text []byte) (from, to int) {
	t := text
	if len(t) > 0 && t[0] == '#' {
		t, from = t[1:], 1
	}
	if len(t) < 5 || (t[0] != '2' && t[0] != '4' && t[0] != '5') || t[1] != '.' {
		return 0, 0
	}
	i := 2
	for part := 0; part < 2; part++ {
		start := i
		for i < len(t) && i-start < 3 && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		if i == start {
			return 0, 0
		}
		if part == 0 {
			if i >= len(t) || t[i] != '.' {
				return 0, 0
			}
			i++
		}
	}
	if i < len(t) && t[i] != ' ' && t[i] != '\r' {
		return 0, 0
	}
	return from, from + i
}

// verb is an SMTP command, as far as the verdict needs to tell them apart.
type verb uint8

const (
	verbOther verb = iota
	verbHELO
	verbEHLO
	verbMAIL
	verbRCPT
	verbDATA
	verbBDAT
	verbRSET
	verbNOOP
	verbQUIT
	verbSTARTTLS
	verbAUTH
	verbAuthData // a client line in an AUTH exchange
	verbDataEnd  // the final "." of a DATA body
)

// parseVerb returns the command verb of a client line (case-insensitive):
// its first word, up to a space or CR.
func parseVerb(line []byte) verb {
	var up [8]byte
	n := 0
	for _, c := range line {
		if c == ' ' || c == '\r' {
			break
		}
		if n == len(up) {
			return verbOther
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up[n] = c
		n++
	}
	switch string(up[:n]) {
	case "HELO":
		return verbHELO
	case "EHLO":
		return verbEHLO
	case "MAIL":
		return verbMAIL
	case "RCPT":
		return verbRCPT
	case "DATA":
		return verbDATA
	case "BDAT":
		return verbBDAT
	case "RSET":
		return verbRSET
	case "NOOP":
		return verbNOOP
	case "QUIT":
		return verbQUIT
	case "STARTTLS":
		return verbSTARTTLS
	case "AUTH":
		return verbAUTH
	}
	return verbOther
}

// bdatArgs parses "BDAT <size> [LAST]".
func bdatArgs(line []byte) (size int64, last bool, ok bool) {
	f := bytes.Fields(trimCR(line))
	if len(f) < 2 || len(f) > 3 {
		return 0, false, false
	}
	n, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil || n < 0 {
		return 0, false, false
	}
	if len(f) == 3 {
		if !bytes.EqualFold(f[2], []byte("LAST")) {
			return 0, false, false
		}
		last = true
	}
	return n, last, true
}

// commandText is the command as recorded: escaped, with AUTH credentials
// hidden.
func commandText(v verb, line []byte) string {
	if t, ok := authText(v, line); ok {
		return t
	}
	return Escape(trimCR(line))
}

// commandText is commandText, its string in the session's arena.
func (s *session) commandText(v verb, line []byte) string {
	if t, ok := authText(v, line); ok {
		return t
	}
	return s.escape(trimCR(line))
}

// authText returns the text of an AUTH command or of a line of the AUTH
// exchange, with the credentials hidden; ok is false for other commands.
func authText(v verb, line []byte) (text string, ok bool) {
	switch v {
	case verbAuthData:
		return "***", true
	case verbAUTH:
		f := bytes.Fields(trimCR(line))
		if len(f) > 2 {
			return Escape(f[0]) + " " + Escape(f[1]) + " ***", true
		}
	}
	return "", false
}

// Heuristics on reply texts.
var (
	senderPhrases = [][]byte{
		[]byte("sender address rejected"),
		[]byte("envelope sender"),
		[]byte("domain of sender address"),
		[]byte("sender rejected"),
		[]byte("sender refused"),
	}
)

// senderRefused reports whether a reply says the envelope sender was
// refused: enhanced code X.1.7 (bad sender mailbox syntax) or X.1.8 (bad
// sender system address), or a well-known phrase.
func senderRefused(enhanced string, text []byte) bool {
	if len(enhanced) >= 5 && (enhanced[1:] == ".1.7" || enhanced[1:] == ".1.8") {
		return true
	}
	for _, p := range senderPhrases {
		if containsFold(text, p) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII sub, case
// insensitively.
func containsFold(s, sub []byte) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// isTLSRecord reports whether b starts like a TLS record: a content type
// (20-23), then major version 3.
func isTLSRecord(b []byte) bool {
	return len(b) >= 2 && b[0] >= 20 && b[0] <= 23 && b[1] == 3
}

// looksLikeReplyStart reports whether b starts like an SMTP reply line:
// three digits, then a space, a hyphen, CR or the end of b.
func looksLikeReplyStart(b []byte) bool {
	if len(b) < 3 || b[0] < '2' || b[0] > '5' || b[1] < '0' || b[1] > '9' || b[2] < '0' || b[2] > '9' {
		return false
	}
	return len(b) == 3 || b[3] == ' ' || b[3] == '-' || b[3] == '\r'
}

// startsLikeCommand reports whether b starts with an SMTP command verb
// that ends with a space, CR or LF.
func startsLikeCommand(b []byte) bool {
	i := 0
	for i < len(b) && i < 9 && (b[i] >= 'A' && b[i] <= 'Z' || b[i] >= 'a' && b[i] <= 'z') {
		i++
	}
	if i < 4 || i == len(b) || (b[i] != ' ' && b[i] != '\r' && b[i] != '\n') {
		return false
	}
	return parseVerb(b[:i]) != verbOther
}

// isLetter reports whether c is an ASCII letter.
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// continuesReply reports whether b starts with a line of a reply with
// the given code.
func continuesReply(b []byte, code int) bool {
	return looksLikeReplyStart(b) && int(b[0]-'0')*100+int(b[1]-'0')*10+int(b[2]-'0') == code
}

// firstLineStart returns b from the first place a reply line may start:
// b itself when it starts like one, else after its first LF (nil when it
// has none), as the resynchronisation after missing bytes reads it.
func firstLineStart(b []byte) []byte {
	if len(b) == 0 || looksLikeReplyStart(b) {
		return b
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return nil
}

// commandPath returns the path of a MAIL FROM or RCPT TO line: what is
// between its angle brackets ("" for the null sender <>), or, without
// them, the word after the colon.
func commandPath(line []byte) []byte {
	line = trimCR(line)
	if i := bytes.IndexByte(line, '<'); i >= 0 {
		if j := bytes.IndexByte(line[i+1:], '>'); j >= 0 {
			return line[i+1 : i+1+j]
		}
		return line[i+1:]
	}
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		f := bytes.Fields(line[i+1:])
		if len(f) > 0 {
			return f[0]
		}
	}
	return nil
}

// heloName returns the name a HELO or EHLO line gives: its second word.
func heloName(line []byte) []byte {
	f := bytes.Fields(trimCR(line))
	if len(f) < 2 {
		return nil
	}
	return f[1]
}
