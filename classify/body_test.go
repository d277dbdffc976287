package classify

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// refScanner is the body scanner before its fast path for whole body
// lines: line by line, the reference the scanner must agree with.
type refScanner struct {
	lineLen              int
	head                 [2]byte
	inBody               bool
	longHeader, longName int
}

func (b *refScanner) scan(p []byte) (rest []byte, done bool) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
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

// bodyPieces are the lines random bodies are made of: headers, MIME part
// headers with short and long names (folded too), base64, dot-stuffed
// lines, near-misses of the dot line, bare LFs, and the dot line itself.
var bodyPieces = []string{
	"Subject: hello\r\n", "From: <a@example.org>\r\n", "\r\n", "\n", ".", "\r", "C",
	"Content-Type: application/pdf; name=\"short.pdf\"\r\n",
	"Content-Disposition: attachment; filename=\"" + strings.Repeat("n", 300) + ".pdf\"\r\n",
	"content-type: text/plain; name=" + strings.Repeat("x", 260) + "\r\n",
	"\tfilename=\"" + strings.Repeat("f", 270) + "\"\r\n",
	" name=ok\r\n", "name=" + strings.Repeat("z", 300) + "\r\n",
	"X-Long: " + strings.Repeat("h", 1000) + "\r\n",
	"TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuTWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu\r\n",
	"..stuffed dot\r\n", ". not the end\r\n", ".x\r\n", ".x\n", "..\n", ".\r\r\n", ".\n", ".\r\n",
	"Cname=" + strings.Repeat("c", 256) + "\r\n", "plain text line\r\n",
}

// TestBodyScannerAgreesWithLineByLine cuts thousands of random bodies into
// random segments and checks the scanner against the line-by-line
// reference: the same end (and bytes after it), and the same long header
// line and long MIME name, whatever the cuts.
func TestBodyScannerAgreesWithLineByLine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 20000 {
		var body strings.Builder
		for range 1 + rng.IntN(25) {
			body.WriteString(bodyPieces[rng.IntN(len(bodyPieces))])
		}
		if rng.IntN(2) == 0 {
			body.WriteString(".\r\nQUIT\r\n")
		}
		data := []byte(body.String())
		var cuts []int
		for at := 0; at < len(data); {
			at += 1 + rng.IntN(1+rng.IntN(400))
			cuts = append(cuts, min(at, len(data)))
		}
		var fast bodyScanner
		var ref refScanner
		run := func(scan func([]byte) ([]byte, bool)) (string, bool) {
			prev := 0
			for _, c := range cuts {
				if rest, done := scan(data[prev:c]); done {
					return string(rest) + string(data[c:]), true
				}
				prev = c
			}
			return "", false
		}
		gotRest, gotDone := run(fast.scan)
		wantRest, wantDone := run(ref.scan)
		if gotDone != wantDone || gotRest != wantRest || fast.longHeader != ref.longHeader || fast.longName != ref.longName {
			t.Fatalf("body %d %q cut at %v:\nscanner: done %v rest %q header %d name %d\nline by line: done %v rest %q header %d name %d",
				n, data, cuts, gotDone, gotRest, fast.longHeader, fast.longName, wantDone, wantRest, ref.longHeader, ref.longName)
		}
	}
}
