package flow_test

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// benchCapture builds n full SMTP deliveries (8 KB bodies in 1448-byte
// segments), 16 interleaved at a time, as a pcap.
func benchCapture(n int) []byte {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n", 140)
	at := t0
	tick := func() time.Time { at = at.Add(10 * time.Microsecond); return at }
	for start := 0; start < n; start += 16 {
		var convs []*pcaptest.Conv
		for i := start; i < start+16 && i < n; i++ {
			cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}), Port: uint16(30000 + i%30000)}
			convs = append(convs, b.Conv(cl, server, uint32(i)*7919, uint32(i)*104729))
		}
		steps := []func(c *pcaptest.Conv){
			func(c *pcaptest.Conv) { c.SYN(tick()) },
			func(c *pcaptest.Conv) { c.SYNACK(tick()) },
			func(c *pcaptest.Conv) { c.ACK(tick()) },
			func(c *pcaptest.Conv) { c.Server(tick(), "220 mx.example ESMTP\r\n") },
			func(c *pcaptest.Conv) { c.Client(tick(), "EHLO client.example\r\n") },
			func(c *pcaptest.Conv) {
				c.Server(tick(), "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n")
			},
			func(c *pcaptest.Conv) {
				c.Client(tick(), "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
			},
			func(c *pcaptest.Conv) { c.Server(tick(), "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data\r\n") },
			func(c *pcaptest.Conv) {
				for rest := body + ".\r\n"; rest != ""; {
					k := min(1448, len(rest))
					c.Client(tick(), rest[:k])
					rest = rest[k:]
				}
			},
			func(c *pcaptest.Conv) { c.Server(tick(), "250 2.0.0 Ok: queued as 4XyZ\r\n") },
			func(c *pcaptest.Conv) { c.Client(tick(), "QUIT\r\n") },
			func(c *pcaptest.Conv) { c.Server(tick(), "221 2.0.0 Bye\r\n") },
			func(c *pcaptest.Conv) { c.ServerFIN(tick()) },
			func(c *pcaptest.Conv) { c.ClientFIN(tick()) },
		}
		for _, step := range steps {
			for _, c := range convs {
				step(c)
			}
		}
	}
	return b.Bytes(pcaptest.Pcap)
}

// BenchmarkPipeline measures capture → flow → classify on generated
// deliveries held in memory: MB/s of capture, packets/s and allocations.
func BenchmarkPipeline(b *testing.B) {
	data := benchCapture(512)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var packets uint64
	for b.Loop() {
		var recs int
		tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts)},
			classify.New(func(r *classify.Record) {
				if r.Outcome != classify.OutcomeDelivered {
					panic(fmt.Sprintf("generated session labelled %s/%s", r.Verdict, r.Outcome))
				}
				recs++
			}))
		src, err := capture.NewReader("bench", io.NopCloser(bytes.NewReader(data)))
		if err != nil {
			b.Fatal(err)
		}
		var p capture.Packet
		for src.Next(&p) == nil {
			tr.Packet(&p)
		}
		tr.Flush()
		packets = tr.Stats().Packets
		if recs != 512 {
			b.Fatalf("%d records", recs)
		}
	}
	b.ReportMetric(float64(packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkDecode measures header decoding of one data segment.
func BenchmarkDecode(b *testing.B) {
	bl := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := bl.Conv(client, server, 1, 2)
	c.Client(t0, strings.Repeat("x", 1448))
	frame := bl.Packets[0].Data
	var seg flow.Segment
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if err := flow.Decode(capture.LinkEthernet, frame, &seg); err != nil {
			b.Fatal(err)
		}
	}
}
