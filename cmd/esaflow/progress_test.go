package main

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// bigCapture builds a capture larger than progressMinBytes: deliveries
// with 64 KB bodies.
func bigCapture(t *testing.T) string {
	t.Helper()
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	srv := pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	chunk := strings.Repeat("x", 1446) + "\r\n"
	at := t0
	tick := func() time.Time { at = at.Add(time.Millisecond); return at }
	for n := 0; n < 150; n++ {
		cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{198, 51, 100, byte(n)}), Port: uint16(30000 + n)}
		c := b.Conv(cl, srv, uint32(n)*1000, uint32(n)*7000)
		c.SYN(tick())
		c.SYNACK(tick())
		c.ACK(tick())
		c.Server(tick(), "220 mx.example ESMTP\r\n")
		c.Client(tick(), "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
		c.Server(tick(), "250 ok\r\n250 ok\r\n354 go\r\n")
		for i := 0; i < 44; i++ {
			c.Client(tick(), chunk)
		}
		c.Client(tick(), ".\r\n")
		c.Server(tick(), "250 queued\r\n")
		c.ServerFIN(tick())
		c.ClientFIN(tick())
	}
	data := b.Bytes(pcaptest.Pcap)
	if len(data) < progressMinBytes {
		t.Fatalf("capture of %d bytes is too small to show progress", len(data))
	}
	return writeTemp(t, "big.pcap", data)
}

// fakeClock returns a clock that moves 40 ms forward at each reading.
func fakeClock() func() time.Time {
	now := t0
	return func() time.Time { now = now.Add(40 * time.Millisecond); return now }
}

// analyzeOn runs analyze -o jsonl on path with stderr a terminal or not
// and a fake clock, and returns stdout, stderr and the error.
func analyzeOn(path string, terminal, quiet bool) (string, string, error) {
	var out, errb bytes.Buffer
	opts := AnalyzeOptions{Files: []string{path}, Format: "jsonl", GroupBy: "client",
		TrackerOptions: TrackerOptions{Ports: flow.DefaultPorts, IdleTimeout: flow.DefaultIdleTimeout, MaxConns: flow.DefaultMaxConns}, Quiet: quiet}
	stdio := IO{In: strings.NewReader(""), Out: &out, Err: &errb, ErrTerminal: terminal, Now: fakeClock()}
	err := runAnalyze(context.Background(), &opts, stdio)
	return out.String(), errb.String(), err
}

// analyzeWithStderr is analyzeOn for input that must be read without error.
func analyzeWithStderr(t *testing.T, path string, terminal, quiet bool) (string, string) {
	t.Helper()
	out, errs, err := analyzeOn(path, terminal, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return out, errs
}

func TestProgressIsDrawnOnATerminalAndClearedAtTheEnd(t *testing.T) {
	path := bigCapture(t)
	out, errs := analyzeWithStderr(t, path, true, false)
	if strings.Count(errs, "\r") < 3 {
		t.Fatalf("stderr %q: want several redraws with \\r", errs)
	}
	for _, want := range []string{"MiB /", "MiB/s", "ETA ", "connections"} {
		if !strings.Contains(errs, want) {
			t.Errorf("progress line lacks %q: %q", want, errs)
		}
	}
	if strings.Contains(errs, "\n") {
		t.Errorf("progress wrote a newline: %q", errs)
	}
	last := errs[strings.LastIndexByte(errs[:len(errs)-1], '\r'):]
	if strings.Trim(last, "\r ") != "" || !strings.HasSuffix(last, "\r") {
		t.Errorf("the line is not cleared at the end: ends with %q", last)
	}
	plain, _ := analyzeWithStderr(t, path, false, false)
	if out != plain {
		t.Error("stdout differs with and without the progress line")
	}
	if strings.Count(out, "\n") != 150 {
		t.Errorf("%d records, want 150", strings.Count(out, "\n"))
	}
}

func TestProgressIsNeverDrawnIntoAPipeOrWithQuiet(t *testing.T) {
	path := bigCapture(t)
	for _, c := range []struct {
		name            string
		terminal, quiet bool
	}{{"pipe", false, false}, {"pipe --quiet", false, true}, {"terminal --quiet", true, true}} {
		if _, errs := analyzeWithStderr(t, path, c.terminal, c.quiet); errs != "" {
			t.Errorf("%s: stderr %q, want nothing", c.name, errs)
		}
	}
}

func TestProgressIsNotDrawnForASmallCapture(t *testing.T) {
	path := writeTemp(t, "mixed.pcap", mixedCapture().Bytes(pcaptest.Pcap))
	if _, errs := analyzeWithStderr(t, path, true, false); errs != "" {
		t.Errorf("stderr %q, want nothing for a small capture", errs)
	}
}

func TestWarningsClearTheProgressLineAndSurviveQuiet(t *testing.T) {
	path := bigCapture(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := writeTemp(t, "cut.pcap", data[:len(data)-100])
	for _, quiet := range []bool{false, true} {
		_, errs, _ := analyzeOn(cut, true, quiet)
		i := strings.Index(errs, "esaflow: warning: ")
		if i < 0 {
			t.Fatalf("quiet=%v: no warning in %q", quiet, errs)
		}
		if before := errs[:i]; before != "" && !strings.HasSuffix(before, "\r") {
			t.Errorf("quiet=%v: the warning is written over the progress line: %q", quiet, errs)
		}
	}
}
