package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// recache drops path from the page cache and reads it back once, so that
// every program measured on it finds it cached the same way, whatever
// happened to the file before (written just now, or partly evicted and
// read back piecemeal). Without it, the floor measured anywhere from 0.16
// to 0.28 s on the same 1 GiB file: reading the page cache costs more
// when it holds the file in small pieces (the kernel's copy took 60 ms
// against 150 ms of system time).
func recache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("recache %s: %w", path, err)
	}
	if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, make([]byte, 1<<20)); err != nil {
		return fmt.Errorf("recache %s: %w", path, err)
	}
	return nil
}
