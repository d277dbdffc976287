package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// runCompressed times esaflow on the throughput capture as it is and
// compressed with gzip, zstd and lz4 (each cached beside it, made with
// the libraries' default levels), all taking turns, and checks that every
// compressed copy gives the plain copy's records. MB/s is of the
// uncompressed capture, so that the columns compare the decompressors'
// cost directly.
func runCompressed(dir, bin string, sizeMiB int64, runs int) error {
	capPath := filepath.Join(dir, fmt.Sprintf("smtp-%dMiB-gen%d.pcap", sizeMiB, genVersion))
	sessions, err := ensureCapture(capPath, sizeMiB<<20)
	if err != nil {
		return err
	}
	kinds := []struct {
		ext  string
		comp func(io.Writer) (io.WriteCloser, error)
	}{
		{"gz", func(w io.Writer) (io.WriteCloser, error) { return gzip.NewWriter(w), nil }},
		{"zst", func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) }},
		{"lz4", func(w io.Writer) (io.WriteCloser, error) { return lz4.NewWriter(w), nil }},
	}
	paths := []string{capPath}
	for _, k := range kinds {
		p := capPath + "." + k.ext
		err := ensureFile(p, func(w io.Writer) error {
			in, err := os.Open(capPath)
			if err != nil {
				return err
			}
			defer in.Close()
			zw, err := k.comp(w)
			if err != nil {
				return err
			}
			if _, err := io.Copy(zw, in); err != nil {
				return err
			}
			return zw.Close()
		})
		if err != nil {
			return err
		}
		paths = append(paths, p)
	}
	out, err := newOutput()
	if err != nil {
		return err
	}
	defer out.remove()
	var mks []func() *exec.Cmd
	for _, p := range paths {
		if err := recache(p); err != nil {
			return err
		}
		mks = append(mks, func() *exec.Cmd { return exec.Command(bin, "analyze", "--format", "jsonl", p) })
	}
	res, err := measureEach(runs, out.f, mks...)
	if err != nil {
		return err
	}
	t, err := newTable(capPath, fmt.Sprintf("%d sessions, as it is and compressed", sessions))
	if err != nil {
		return err
	}
	for i, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		t.row(fmt.Sprintf("esaflow analyze -o jsonl %s (%.0f MB)", filepath.Ext(p), float64(st.Size())/1e6), res[i], res[0].wall)
	}
	// Every copy must give the same records: checked on the last run's
	// output of the last copy, then on each copy once more.
	for _, p := range paths[1:] {
		cmd := exec.Command(bin, "analyze", "--format", "jsonl", p)
		jsonl, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if err := checkMix(jsonl, sessions); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}
