package classify

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestIndexBodyMarkAgreesWithByteByByte checks the vector search for a
// dot at a line start or an '=' against the byte-by-byte one on random
// slices of every length up to 200 and every start within a buffer (the
// 32-byte blocks, the overlapping last block and the search back for the
// last LF all cut in different places), with both flags either way.
func TestIndexBodyMarkAgreesWithByteByByte(t *testing.T) {
	if !bodySkipFast {
		t.Skip("no vector skip on this machine") // and its instructions may not run here
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("\n\n..==ab\rC")
	buf := make([]byte, 300)
	for round := range 3000 {
		for i := range buf {
			// Sparse marks in some rounds, dense in others.
			if rng.IntN(1+round%40) == 0 {
				buf[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				buf[i] = 'x'
			}
		}
		from := rng.IntN(64)
		p := buf[from : from+rng.IntN(201)]
		for _, start := range []bool{false, true} {
			for _, eq := range []bool{false, true} {
				got, want := indexBodyMark(p, start, eq), indexBodyMarkGo(p, start, eq)
				if got != want {
					t.Fatalf("indexBodyMark(%q, start %v, eq %v) = %d, byte by byte %d", p, start, eq, got, want)
				}
			}
		}
	}
}

// TestBodyScannerSkipsLikeItReads scans long random bodies of base64,
// text, dot-stuffed lines, '=' signs and MIME name lines, cut into
// segments of random sizes, with and without the vector skip: the same
// end, long header and long name.
func TestBodyScannerSkipsLikeItReads(t *testing.T) {
	if !bodySkipFast {
		t.Skip("no vector skip on this machine")
	}
	pieces := append([]string{
		"TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuTWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu\r\n",
		"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n",
		"soft line break in quoted-printable=\r\n", "a=3D b\r\n", "x name= y\r\n", "name=\r\n",
		"Content-Type: text/plain; charset=utf-8\r\n", "\r\n--=_part\r\n",
	}, bodyPieces...)
	rng := rand.New(rand.NewPCG(5, 6))
	for n := range 3000 {
		var body bytes.Buffer
		body.WriteString("Subject: x\r\n\r\n")
		for range 1 + rng.IntN(120) {
			body.WriteString(pieces[rng.IntN(len(pieces))])
		}
		body.WriteString(".\r\nQUIT\r\n")
		data := body.Bytes()
		var cuts []int
		for at := 0; at < len(data); {
			at += 1 + rng.IntN(1+rng.IntN(1600))
			cuts = append(cuts, min(at, len(data)))
		}
		run := func(fast bool) (bodyScanner, string, bool) {
			bodySkipFast = fast
			defer func() { bodySkipFast = true }()
			var b bodyScanner
			prev := 0
			for _, c := range cuts {
				if rest, done := b.scan(data[prev:c]); done {
					return b, string(rest) + string(data[c:]), true
				}
				prev = c
			}
			return b, "", false
		}
		fb, frest, fdone := run(true)
		lb, lrest, ldone := run(false)
		if fdone != ldone || frest != lrest || fb.longHeader != lb.longHeader || fb.longName != lb.longName {
			t.Fatalf("body %d %q cut at %v: with the skip done %v rest %q header %d name %d; without done %v rest %q header %d name %d",
				n, data, cuts, fdone, frest, fb.longHeader, fb.longName, ldone, lrest, lb.longHeader, lb.longName)
		}
	}
}

// TestBodyLineWithEqualsCutBeforeItsEnd: a segment ends inside a line
// that holds an '=' ("x=." here, its CRLF in the next segment). The line
// started before the '=', so it is not the line "." that ends the body.
func TestBodyLineWithEqualsCutBeforeItsEnd(t *testing.T) {
	for _, fast := range []bool{false, bodySkipFast} {
		old := bodySkipFast
		bodySkipFast = fast
		var b bodyScanner
		b.scan([]byte("Subject: x\r\n\r\n"))
		first, done := b.scan([]byte("text\r\nmore text\r\nx=."))
		rest, done2 := b.scan([]byte("\r\nQUIT\r\n.\r\nNOOP\r\n"))
		bodySkipFast = old
		if first != nil || done || !done2 || string(rest) != "NOOP\r\n" {
			t.Fatalf("fast %v: first segment %q %v, second %q %v; want the end before NOOP", fast, first, done, rest, done2)
		}
	}
}
