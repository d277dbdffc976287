package capture_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// BenchmarkReadBatch measures opening and reading an 8000-frame pcap file
// from memory into batches: the record headers parsed in place, no frame
// copied. Its allocations are the opening's (readers and buffers), none
// per frame.
func BenchmarkReadBatch(b *testing.B) {
	bl := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := bl.Conv(cli, srv, 1, 2)
	for i := range 4000 {
		c.Client(t0, strings.Repeat("x", 1+(i*389)%1448))
		c.ServerACK(t0)
	}
	data := bl.Bytes(pcaptest.Pcap)
	batch := capture.NewBatch(0)
	rd := bytes.NewReader(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(data)
		src, err := capture.NewReader("bench.pcap", io.NopCloser(rd))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if err := src.ReadBatch(batch); err != nil {
				break
			}
		}
	}
}

// BenchmarkFilterMatches measures one -f filter decision on a file's frame:
// the call into libpcap (pcap_offline_filter) and the program it runs.
func BenchmarkFilterMatches(b *testing.B) {
	f, err := capture.NewFilter("tcp port 25 and host 198.51.100.10")
	if err != nil {
		b.Skip(err)
	}
	bl := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := bl.Conv(cli, srv, 1, 25)
	c.Client(t0, "EHLO client.example.org\r\n")
	src, err := capture.NewReader("bench.pcap", io.NopCloser(bytes.NewReader(bl.Bytes(pcaptest.Pcap))))
	if err != nil {
		b.Fatal(err)
	}
	var p capture.Packet
	for src.Next(&p) == nil && len(p.Data) < 60 {
	}
	b.ReportAllocs()
	for b.Loop() {
		f.Matches(&p)
	}
}
