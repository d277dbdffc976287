package classify

import "bytes"

// skip returns how many bytes at the start of p, a message body's bytes
// from a line start on, the scanner may pass over: whole lines that
// neither start with a dot nor (while no long MIME name was seen) hold a
// MIME name parameter on a line that may carry one. Such lines change
// nothing in a scan past the header section, so scan steps over them
// without looking at them line by line. It returns the start of the
// first line scan must see, or of the unfinished last line, or len(p).
//
// Without a vector implementation of indexBodyMark (bodySkipFast false)
// it returns 0 and scan reads every line itself.
func (b *bodyScanner) skip(p []byte) int {
	if !bodySkipFast {
		return 0
	}
	names := b.longName == 0
	for from := 0; ; {
		i := indexBodyMark(p[from:], from == 0, names)
		if i < 0 {
			if k := -1 - i; k > 0 || from == 0 {
				return from + k
			}
			// No LF after the last '=': its line is the last one.
			return bytes.LastIndexByte(p[:from], '\n') + 1
		}
		i += from
		if p[i] == '.' {
			return i // a line start: indexBodyMark returns no other dot
		}
		// An '=': the end of "name=" on a line that may be a MIME header
		// line is where scan has to look.
		if i >= len(nameParam)-1 && string(p[i-len(nameParam)+1:i]) == "name" {
			ls := bytes.LastIndexByte(p[:i], '\n') + 1
			if mimeHeaderish(p[ls]) {
				return ls
			}
		}
		from = i + 1
	}
}

// indexBodyMarkGo is indexBodyMark one byte at a time. A mark is a '.'
// at a line start (after an LF, or at 0 when start is true) or, when eq
// is true, an '='. It returns the index of the first mark in p, or -1-k
// when there is none, with k the start of p's last line (just past its
// last LF, 0 when there is none).
func indexBodyMarkGo(p []byte, start, eq bool) int {
	for k, c := range p {
		if c == '.' && (k == 0 && start || k > 0 && p[k-1] == '\n') || eq && c == '=' {
			return k
		}
	}
	return -1 - (bytes.LastIndexByte(p, '\n') + 1)
}
