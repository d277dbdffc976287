package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape turns untrusted bytes from the wire into a string safe to print
// on a terminal, in CSV or in JSON: printable ASCII and printable UTF-8
// are kept; backslash becomes `\\`; tab, CR and LF become `\t`, `\r`,
// `\n`; every other byte (control characters, ESC of terminal escape
// sequences, DEL, C1 controls, invalid UTF-8) becomes `\xNN`.
func Escape(b []byte) string {
	clean := true
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	const hex = "0123456789abcdef"
	for len(b) > 0 {
		c := b[0]
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		case c >= 0x80:
			r, n := utf8.DecodeRune(b)
			if r != utf8.RuneError && unicode.IsPrint(r) {
				sb.Write(b[:n])
				b = b[n:]
				continue
			}
			fallthrough
		default:
			sb.WriteString(`\x`)
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
		}
		b = b[1:]
	}
	return sb.String()
}
