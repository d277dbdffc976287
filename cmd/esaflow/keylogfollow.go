package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"time"

	"github.com/esaflow/esaflow/classify/tlsdecrypt"
)

// keyLogFollowInterval is how often live looks for lines appended to its
// --keylog files.
const keyLogFollowInterval = time.Second

// followKeyLogs adds to keys, until ctx ends, the lines appended to the
// named key log files after their first read: a program writing
// SSLKEYLOGFILE appends a session's secrets when the session starts, so
// live sees the keys of sessions that begin after it. A file that shrank
// (rotated, truncated) is read again from its start; only whole lines are
// read.
// offsets are where the first read stopped in each file.
func followKeyLogs(ctx context.Context, names []string, offsets []int64, keys *tlsdecrypt.KeyLog, interval time.Duration) {
	offsets = slices.Clone(offsets)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for i, name := range names {
			offsets[i] = readAppended(name, offsets[i], keys)
		}
	}
}

// readAppended reads the whole lines of name past offset into keys and
// returns the offset after them.
func readAppended(name string, offset int64, keys *tlsdecrypt.KeyLog) int64 {
	f, err := os.Open(name)
	if err != nil {
		return offset
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return offset
	}
	if st.Size() < offset {
		offset = 0 // a new file in its place
	}
	if st.Size() == offset {
		return offset
	}
	b, err := io.ReadAll(io.NewSectionReader(f, offset, min(st.Size()-offset, maxKeyLogSize)))
	if err != nil {
		return offset
	}
	end := bytes.LastIndexByte(b, '\n') + 1 // a line still being written waits
	keys.Read(bytes.NewReader(b[:end]))
	return offset + int64(end)
}
