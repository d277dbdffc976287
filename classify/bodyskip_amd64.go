//go:build !purego

package classify

import "golang.org/x/sys/cpu"

// bodySkipFast tells that indexBodyMark runs on AVX2, 32 bytes a step.
var bodySkipFast = cpu.X86.HasAVX2

// indexBodyMarkAVX2 returns, for p of 32 bytes or more, the index of the
// first mark of p (as indexBodyMark), or, when there is none, -1-k with k
// the start of p's last line: just past its last LF, 0 when it has none.
//
//go:noescape
func indexBodyMarkAVX2(p []byte, start, eq bool) int

// indexBodyMark returns the index of the first mark in p, or -1-k when
// there is none, with k the start of p's last line (just past its last
// LF, 0 when there is none).
func indexBodyMark(p []byte, start, eq bool) int {
	if len(p) >= 32 {
		return indexBodyMarkAVX2(p, start, eq)
	}
	return indexBodyMarkGo(p, start, eq)
}
