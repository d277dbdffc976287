//go:build !amd64 || purego

package classify

// bodySkipFast is false: without a vector indexBodyMark, scan reads every
// body line itself, which is faster than a byte at a time.
var bodySkipFast = false

func indexBodyMark(p []byte, start, eq bool) int { return indexBodyMarkGo(p, start, eq) }
