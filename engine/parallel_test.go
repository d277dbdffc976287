package engine

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
	"github.com/esaflow/esaflow/report"
)

// groupsOf returns how parallelPlan splits the files for the idle timeout.
func groupsOf(t *testing.T, files []string, idle time.Duration) int {
	t.Helper()
	var sources []*capture.File
	for _, f := range files {
		s, err := capture.Open(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		sources = append(sources, s)
	}
	starts := parallelPlan(sources, flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts), IdleTimeout: idle}, 4)
	return max(len(starts), 1)
}

// sameBothWays runs files with one job and with four and fails unless the
// reports are identical; it returns the report.
func sameBothWays(t *testing.T, files []string, ropts report.Options, idle time.Duration) string {
	t.Helper()
	opts := Options{Flow: flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts), AnyPort: true, IdleTimeout: idle}, Workers: 2, Jobs: 1}
	out1 := reportOf(t, files, ropts, opts)
	opts.Jobs = 4
	out4 := reportOf(t, files, ropts, opts)
	if !bytes.Equal(out1, out4) {
		t.Errorf("%v: sequential and parallel differ:\n%s\n---\n%s", files, out1, out4)
	}
	return string(out1)
}

func TestParallelFilesGiveTheSequentialReport(t *testing.T) {
	files, _ := filepath.Glob("../testdata/captures/*.pcap*")
	if len(files) < 10 {
		t.Fatal("no recorded captures in testdata/captures")
	}
	reversed := slices.Clone(files)
	slices.Reverse(reversed)
	split := 0
	for _, order := range [][]string{files, reversed} {
		for _, idle := range []string{"10m", "1s"} {
			d, _ := time.ParseDuration(idle)
			if groupsOf(t, order, d) > 1 {
				split++
			}
			for _, ropts := range []report.Options{{Format: report.FormatTable, Flows: true}, {Format: report.FormatJSON}, {Format: report.FormatJSONL}, {Format: report.FormatCSV}} {
				sameBothWays(t, order, ropts, d)
			}
		}
	}
	if split == 0 {
		t.Fatal("the recorded captures were never split into groups: nothing ran in parallel")
	}
}

func TestRotatedCaptureSetKeepsConnectionsAcrossFiles(t *testing.T) {
	b := pcaptest.Mixed(t0)
	all := b.Packets
	// The first file ends in the middle of the first connection.
	b.Packets = all[:4]
	first := writeTemp(t, "rot-1.pcap", b.Bytes(pcaptest.Pcap))
	// The second ends before the last connection's RST: it is still open
	// when the later file comes, which decides it idle.
	b.Packets = all[4 : len(all)-1]
	second := writeTemp(t, "rot-2.pcap", b.Bytes(pcaptest.Pcap))
	// A third file two hours later can be tracked apart.
	b.Packets = nil
	for _, p := range all {
		p.Time = p.Time.Add(2 * time.Hour)
		b.Packets = append(b.Packets, p)
	}
	later := writeTemp(t, "later.pcap", b.Bytes(pcaptest.Pcap))
	whole := writeTemp(t, "whole.pcap", b.Bytes(pcaptest.Pcap))

	files := []string{first, second, later}
	if n := groupsOf(t, files, flow.DefaultIdleTimeout); n != 2 {
		t.Fatalf("%d groups, want 2: the rotated pair and the later file", n)
	}
	jsonl := report.Options{Format: report.FormatJSONL}
	out := sameBothWays(t, files, jsonl, flow.DefaultIdleTimeout)
	alone := string(reportOf(t, []string{whole}, jsonl, Options{}))
	lines := strings.SplitAfter(out, "\n")
	if len(lines) != 7 || !strings.Contains(lines[0], `"id":1,`) || !strings.Contains(lines[3], `"id":4,`) {
		t.Fatalf("want 6 records numbered on from 1:\n%s", out)
	}
	// The rotated pair gives the three connections of the capture (the
	// first one whole: 4 packets each way; the last one idle), and the
	// later file the same three, numbered on.
	noID := regexp.MustCompile(`"id":\d+,`)
	if got := noID.ReplaceAllString(strings.Join(lines[3:], ""), ""); got != noID.ReplaceAllString(alone, "") {
		t.Errorf("the later file's records differ from its own analysis:\n%s\nalone:\n%s", got, alone)
	}
	if !strings.Contains(lines[0], `"verdict":"ACCEPT","outcome":"QUIT"`) || !strings.Contains(lines[0], `"client_packets":4,"server_packets":4`) {
		t.Errorf("the connection spanning the two files is not one whole ACCEPT: %s", lines[0])
	}
	if !strings.Contains(lines[2], `"verdict":"INCOMPLETE"`) || !strings.Contains(lines[2], "idle") {
		t.Errorf("the connection open at the gap is not decided idle: %s", lines[2])
	}
}
