package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/capture"
)

// analyzeOut runs analyze with args and returns its standard output.
func analyzeOut(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), append([]string{"analyze"}, args...), IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	if code != ExitOK {
		t.Fatalf("analyze %v: exit %d: %s", args, code, errb.String())
	}
	return out.Bytes()
}

// TestRotatedSetInGlobOrder reads the files of a tcpdump -C rotation in
// the order a shell glob gives them (rot.pcap, rot.pcap1, rot.pcap10,
// rot.pcap11, rot.pcap2, ...), in reverse, and in rotation order: one
// timeline each time, byte-identical reports, the verdicts of the set.
func TestRotatedSetInGlobOrder(t *testing.T) {
	glob, _ := filepath.Glob("../../testdata/captures/rotated/wild_rotated.pcap*.gz")
	if len(glob) < 11 {
		t.Fatalf("the rotated set has %d files, want at least 11 (so that the glob order differs)", len(glob))
	}
	rotation := slices.Clone(glob)
	slices.SortFunc(rotation, func(a, b string) int { return len(a) - len(b) }) // stable: keeps pcap1 < pcap2 < ...
	if slices.Equal(rotation, glob) {
		t.Fatal("glob order equals rotation order: the set does not test anything")
	}
	reversed := slices.Clone(glob)
	slices.Reverse(reversed)
	want := analyzeOut(t, append([]string{"--format", "json", "-j", "1"}, rotation...)...)
	for _, order := range [][]string{glob, reversed} {
		for _, jobs := range []string{"1", "2"} {
			got := analyzeOut(t, append([]string{"--format", "json", "-j", jobs}, order...)...)
			if !bytes.Equal(withoutFiles(t, got), withoutFiles(t, want)) {
				t.Errorf("-j %s %v: report differs from rotation order", jobs, order)
			}
		}
	}
	var doc analyzeJSON
	if err := json.Unmarshal(analyzeOut(t, append([]string{"--format", "json"}, glob...)...), &doc); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(doc.Connections, func(a, b jsonConn) int { return cmp.Compare(a.ID, b.ID) })
	checkExpect(t, readExpect(t, "../../testdata/captures/rotated/rotated.expect"), doc)
}

// TestOverlappingFilesMergedByTime splits the sample capture into two
// files taking its frames in turns, as two interfaces of one host would
// hold them, and checks that both orders of the two give the sample's
// own connections and hosts, byte for byte.
func TestOverlappingFilesMergedByTime(t *testing.T) {
	src, err := capture.Open("../../testdata/sample.pcapng", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := t.TempDir()
	var files [2]bytes.Buffer
	for i := range files {
		writePcapHeader(&files[i])
	}
	var pkt capture.Packet
	for n := 0; src.Next(&pkt) == nil; n++ {
		writePcapRecord(&files[n%2], &pkt)
	}
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	for i, name := range []string{a, b} {
		if err := os.WriteFile(name, files[i].Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := withoutFiles(t, analyzeOut(t, "--format", "json", "../../testdata/sample.pcapng"))
	for _, order := range [][]string{{a, b}, {b, a}} {
		if got := withoutFiles(t, analyzeOut(t, append([]string{"--format", "json"}, order...)...)); !bytes.Equal(got, want) {
			t.Errorf("%v: merged report differs from the sample's\n--- got ---\n%s\n--- want ---\n%s", order, got, want)
		}
	}
}

// withoutFiles returns a JSON report without its per-file statistics,
// which name the files read.
func withoutFiles(t *testing.T, doc []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	var stats map[string]json.RawMessage
	if err := json.Unmarshal(m["stats"], &stats); err != nil {
		t.Fatal(err)
	}
	delete(stats, "files")
	m["stats"], _ = json.Marshal(stats)
	out, _ := json.Marshal(m)
	return out
}

// writePcapHeader writes a little-endian, microsecond pcap file header
// for Ethernet frames.
func writePcapHeader(w *bytes.Buffer) {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], 1)
	w.Write(h[:])
}

// writePcapRecord appends one frame to a pcap written by writePcapHeader.
func writePcapRecord(w *bytes.Buffer, p *capture.Packet) {
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(p.Time.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(p.Time.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(p.Data)))
	binary.LittleEndian.PutUint32(h[12:], uint32(p.Length))
	w.Write(h[:])
	w.Write(p.Data)
}

// TestDirectoryIsOneRotatedSet: a directory given as input is the rotated
// set its captures make, read in time order like the same files named one
// by one; a file in it that is not a capture is left out with a note.
func TestDirectoryIsOneRotatedSet(t *testing.T) {
	dir := "../../testdata/captures/rotated"
	glob, _ := filepath.Glob(dir + "/wild_rotated.pcap*.gz")
	code, got, errs := run("analyze", "--format", "json", dir)
	if code != ExitOK || !strings.Contains(errs, "rotated.expect is not a capture; left out") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	want := analyzeOut(t, append([]string{"--format", "json"}, glob...)...)
	if !bytes.Equal(withoutFiles(t, []byte(got)), withoutFiles(t, want)) {
		t.Errorf("the directory's report differs from its files' report")
	}
	if _, _, errs := run("analyze", "-q", "--format", "json", dir); errs != "" {
		t.Errorf("-q: the note is still written: %q", errs)
	}
}

// TestCompressedCapturesGiveThePlainReport: the sample compressed by the
// gzip, zstd and lz4 tools (testdata/compressed) is recognised by content
// and gives the plain sample's records, byte for byte.
func TestCompressedCapturesGiveThePlainReport(t *testing.T) {
	want := analyzeOut(t, "--format", "jsonl", "../../testdata/sample.pcapng")
	for _, ext := range []string{"gz", "zst", "lz4"} {
		name := "../../testdata/compressed/sample.pcapng." + ext
		if got := analyzeOut(t, "--format", "jsonl", name); !bytes.Equal(got, want) {
			t.Errorf("%s: the records differ from the plain capture's", name)
		}
		var doc analyzeJSON
		if err := json.Unmarshal(analyzeOut(t, "--format", "json", name), &doc); err != nil || len(doc.Stats.Files) != 1 || doc.Stats.Files[0].Format != "pcapng."+ext {
			t.Errorf("%s: format in the statistics: %+v (%v)", name, doc.Stats.Files, err)
		}
	}
}
