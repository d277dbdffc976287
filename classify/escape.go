package classify

import (
	"unicode"
	"unicode/utf8"
)

// Escape turns untrusted bytes from the wire into a string safe to print
// on a terminal, in CSV or in JSON: printable ASCII and printable UTF-8
// are kept; backslash becomes `\\`; tab, CR and LF become `\t`, `\r`,
// `\n`; every other byte (control characters, ESC of terminal escape
// sequences, DEL, C1 controls, invalid UTF-8) becomes `\xNN`.
func Escape(b []byte) string {
	if isClean(b) {
		return string(b)
	}
	return string(appendEscaped(make([]byte, 0, len(b)+8), b))
}

// isClean reports whether Escape leaves b as it is.
func isClean(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// appendEscaped appends Escape(b) to dst.
func appendEscaped(dst, b []byte) []byte {
	if isClean(b) {
		return append(dst, b...)
	}
	const hex = "0123456789abcdef"
	for len(b) > 0 {
		c := b[0]
		switch {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c >= 0x20 && c < 0x7f:
			dst = append(dst, c)
		case c >= 0x80:
			r, n := utf8.DecodeRune(b)
			if r != utf8.RuneError && unicode.IsPrint(r) {
				dst = append(dst, b[:n]...)
				b = b[n:]
				continue
			}
			fallthrough
		default:
			dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
		}
		b = b[1:]
	}
	return dst
}
