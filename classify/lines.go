package classify

import "bytes"

// maxLine is the longest line kept whole; longer lines are cut to it
// (their full length is still counted). RFC 5321 allows 512 octets for a
// command line and 1000 for a text line.
const maxLine = 2048

// lineBuf joins a byte stream into lines across segment boundaries. It
// keeps at most maxLine bytes of a partial line.
type lineBuf struct {
	buf  []byte
	full int // full length of the partial line so far
}

// next returns the next complete line from p (without its LF) and the
// rest of p. ok is false when p ended inside a line; the partial line is
// then kept for the next call. The returned line aliases either p or the
// buffer and is valid until the next call. n is the line's full length
// on the wire.
func (l *lineBuf) next(p []byte) (line []byte, n int, rest []byte, ok bool) {
	i := bytes.IndexByte(p, '\n')
	if i < 0 {
		l.keep(p)
		return nil, 0, nil, false
	}
	if l.full == 0 {
		return p[:i], i, p[i+1:], true
	}
	l.keep(p[:i])
	line, n = l.buf, l.full
	l.buf, l.full = l.buf[:0], 0
	return line, n, p[i+1:], true
}

func (l *lineBuf) keep(p []byte) {
	if room := maxLine - len(l.buf); room > 0 {
		if len(p) > room {
			l.buf = append(l.buf, p[:room]...)
		} else {
			l.buf = append(l.buf, p...)
		}
	}
	l.full += len(p)
}

// partial returns the bytes of an unfinished line.
func (l *lineBuf) partial() []byte { return l.buf }

// trimCR drops one trailing CR.
func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// bodyScanner finds the end of a DATA body, the line holding a single
// dot, without keeping the body: it remembers only how far into the
// current line it is and that line's first two bytes. On the way it
// notes the first header line longer than limitHeaderLine and the first
// MIME file name longer than limitFilename (the limits of a firewall's
// SMTP inspection).
type bodyScanner struct {
	lineLen int
	head    [2]byte
	inBody  bool // past the message's header section
	// longHeader and longName are the lengths of the first header line
	// and MIME name parameter over the limits, 0 while none was seen.
	longHeader, longName int
}

var nameParam = []byte("name=")

// scan consumes body bytes from p. It returns the bytes after the final
// dot line and true when the body ended in p.
func (b *bodyScanner) scan(p []byte) (rest []byte, done bool) {
	for len(p) > 0 {
		if b.inBody && b.lineLen == 0 {
			if p = p[b.skip(p):]; len(p) == 0 {
				return nil, false
			}
		}
		i := bytes.IndexByte(p, '\n')
		if b.lineLen == 0 && i >= 0 {
			// A whole line, as most of a capture's bytes come: what the
			// code below does for it, with less bookkeeping.
			if i > 0 {
				switch c := p[0]; {
				case c == '.':
					if i == 1 || i == 2 && p[1] == '\r' {
						return p[i+1:], true
					}
				case b.longName == 0 && mimeHeaderish(c) && bytes.Contains(p[:i], nameParam):
					b.longName = longNameParam(p[:i])
				}
			}
			if !b.inBody {
				switch {
				case i == 0 || i == 1 && p[0] == '\r':
					b.inBody = true
				case b.longHeader == 0 && i > limitHeaderLine+1:
					b.longHeader = i
				}
			}
			p = p[i+1:]
			continue
		}
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		for k := 0; k < len(seg) && b.lineLen+k < 2; k++ {
			b.head[b.lineLen+k] = seg[k]
		}
		b.lineLen += len(seg)
		if b.longName == 0 && mimeHeaderish(b.head[0]) && bytes.Contains(seg, nameParam) {
			b.longName = longNameParam(seg)
		}
		if !b.inBody && b.longHeader == 0 && b.lineLen > limitHeaderLine+1 {
			b.longHeader = b.lineLen
		}
		if i < 0 {
			return nil, false
		}
		p = p[i+1:]
		end := (b.lineLen == 1 && b.head[0] == '.') ||
			(b.lineLen == 2 && b.head[0] == '.' && b.head[1] == '\r')
		if b.lineLen == 0 || (b.lineLen == 1 && b.head[0] == '\r') {
			b.inBody = true
		}
		b.lineLen = 0
		if end {
			return p, true
		}
	}
	return nil, false
}

// mimeHeaderish reports whether a line starting with c may hold a MIME
// name parameter: a Content-* header line, or the folded continuation of
// one. Only those lines are searched, so that message text and base64
// are not.
func mimeHeaderish(c byte) bool { return c == 'C' || c == 'c' || c == ' ' || c == '\t' }

// longNameParam returns the length of the first name= or filename= value
// in p longer than limitFilename, or 0. A value cut by a segment boundary
// is measured as far as p holds it; a line's own part in p is all it
// searches.
func longNameParam(p []byte) int {
	for {
		i := bytes.Index(p, nameParam)
		if i < 0 {
			return 0
		}
		p = p[i+len(nameParam):]
		v := p
		if len(v) > 0 && v[0] == '"' {
			v = v[1:]
			if j := bytes.IndexAny(v, "\"\r\n"); j >= 0 {
				v = v[:j]
			}
		} else if j := bytes.IndexAny(v, ";\r\n \t"); j >= 0 {
			v = v[:j]
		}
		if len(v) > limitFilename {
			return len(v)
		}
	}
}
