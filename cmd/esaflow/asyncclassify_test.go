package main

import (
	"bytes"
	"context"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
	"github.com/esaflow/esaflow/report"
)

// busyCapture interleaves n sessions of every kind (deliveries with
// multi-segment bodies, refusals, resets, sessions cut by the end of the
// capture), so that classification batches fill and workers overlap.
func busyCapture(n int) []byte {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	srv := pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	at := t0
	tick := func() time.Time { at = at.Add(37 * time.Microsecond); return at }
	body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n", 60)
	for start := 0; start < n; start += 24 {
		var convs []*pcaptest.Conv
		for i := start; i < start+24 && i < n; i++ {
			cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}), Port: uint16(20000 + i)}
			convs = append(convs, b.Conv(cl, srv, uint32(i)*7919, uint32(i)*104729))
		}
		for _, c := range convs {
			c.SYN(tick())
		}
		for _, c := range convs {
			c.SYNACK(tick())
			c.ACK(tick())
		}
		for k, c := range convs {
			switch (start + k) % 6 {
			case 0:
				c.ServerRST(tick())
			case 1:
				c.Server(tick(), "554 5.7.1 Access denied\r\n")
				c.ServerFIN(tick())
				c.ClientFIN(tick())
			default:
				c.Server(tick(), "220 mx.example ESMTP\r\n")
			}
		}
		for k, c := range convs {
			if m := (start + k) % 6; m < 2 || m == 5 && start+24 >= n {
				continue // decided, or left open for the end of the capture
			}
			c.Client(tick(), "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
			c.Server(tick(), "250 mx\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n")
			for rest := body + ".\r\n"; rest != ""; {
				k := min(1448, len(rest))
				c.Client(tick(), rest[:k])
				rest = rest[k:]
			}
			c.Server(tick(), "250 2.0.0 queued\r\n")
			c.Client(tick(), "QUIT\r\n")
			c.Server(tick(), "221 Bye\r\n")
			c.ServerFIN(tick())
			c.ClientFIN(tick())
		}
	}
	return b.Bytes(pcaptest.Pcap)
}

// reportOf runs files through a pipeline (classification on workers when
// workers > 0) into a renderer of opts and returns the output.
func reportOf(t *testing.T, files []string, opts report.Options, workers int) []byte {
	t.Helper()
	sources, failed, err := openSources(files, IO{In: strings.NewReader("")})
	if err != nil || failed {
		t.Fatalf("opening %v: %v", files, err)
	}
	defer closeSources(sources)
	var out bytes.Buffer
	rend := report.New(&out, opts)
	cfg := flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts)}
	p := newPipeline(cfg, rend)
	if workers > 0 {
		p = newAsyncPipeline(cfg, rend, workers)
		// Small read-ahead batches: payloads point into many of them,
		// each given back for reuse only when its last event is parsed.
		p.batchSize = 2048 << workers
	}
	for i, src := range sources {
		p.readFile(context.Background(), i, src, io.Discard)
	}
	if err := p.finish(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestAsyncClassificationGivesTheSequentialReport(t *testing.T) {
	busy := writeTemp(t, "busy.pcap", busyCapture(700))
	inputs := [][]string{{busy}}
	caps, _ := filepath.Glob("../../testdata/captures/*.pcap*")
	for _, c := range caps {
		inputs = append(inputs, []string{c})
	}
	inputs = append(inputs, caps) // all of them as one input
	formats := []report.Options{
		{Format: report.FormatJSONL}, {Format: report.FormatJSON},
		{Format: report.FormatTable, Flows: true}, {Format: report.FormatCSV},
	}
	for _, files := range inputs {
		for _, opts := range formats {
			want := reportOf(t, files, opts, 0)
			for _, workers := range []int{1, 2, 3} {
				if got := reportOf(t, files, opts, workers); !bytes.Equal(got, want) {
					t.Errorf("%s, format %v, %d workers: the report differs from the sequential one", filepath.Base(files[0]), opts.Format, workers)
				}
			}
		}
	}
	if n := bytes.Count(reportOf(t, []string{busy}, report.Options{Format: report.FormatJSONL}, 2), []byte("\n")); n != 700 {
		t.Errorf("busy capture: %d records, want 700", n)
	}
}

func TestAsyncClassifierStopsItsWorkers(t *testing.T) {
	emitted := 0
	a := newAsyncClassifier(3, func(*classify.Record) { emitted++ })
	a.drain() // nothing was tracked: returns at once, workers end
	if emitted != 0 {
		t.Errorf("%d records from nothing", emitted)
	}
}

// FuzzAsyncClassificationGivesTheSequentialReport runs arbitrary segments
// (pcaptest.Arbitrary: SMTP dialogues cut anywhere, out of order,
// retransmitted, reset, with RST holds, idle gaps and port reuse) through
// classification on workers, with read-ahead batches of 2 or 4 KiB, and
// checks that the JSON Lines (encoded on the workers) and the flows table
// (rendered from records) are the sequential ones byte for byte: the
// worker's events kept inline until a connection's first payload, its
// reused sessions and the order records are written in included.
func FuzzAsyncClassificationGivesTheSequentialReport(f *testing.F) {
	f.Add([]byte{
		0, 1, 0, 0, 1, 4, 3, 0, 0, 1, 0, 2, 0, 0, 1, 4, 0x12, 0, 20, 1, 0, 0x12, 0, 21, 1,
		4, 0x12, 0, 40, 1, 0, 0x12, 0, 47, 1, 4, 0x12, 0, 30, 1, 0, 0x12, 0, 47, 1, 0, 0x12, 0, 47, 1,
		1, 1, 0, 0, 2, 5, 8, 0, 0, 3, 9, 1, 0, 0, 230, 4, 0x0a, 0, 0, 5, 0, 0x12, 0, 0, 254,
	})
	f.Add([]byte{2, 1, 0, 0, 1, 6, 3, 0, 0, 1, 2, 2, 0, 0, 1, 6, 8, 0, 0, 1, 2, 2, 0, 0, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 5*300 {
			return
		}
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		for _, s := range pcaptest.Arbitrary(data, t0) {
			b.Segment(s)
		}
		file := writeTemp(t, "arbitrary.pcap", b.Bytes(pcaptest.Pcap))
		for _, opts := range []report.Options{{Format: report.FormatJSONL}, {Format: report.FormatTable, Flows: true}} {
			want := reportOf(t, []string{file}, opts, 0)
			for _, workers := range []int{1, 2} {
				if got := reportOf(t, []string{file}, opts, workers); !bytes.Equal(got, want) {
					t.Fatalf("format %v, %d workers:\n%s\nsequential:\n%s", opts.Format, workers, got, want)
				}
			}
		}
	})
}
