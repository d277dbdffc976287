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
