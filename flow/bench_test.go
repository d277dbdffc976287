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
			classify.NewClassifier(func(r *classify.Record) {
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

// nopStreams is a StreamFactory whose streams ignore everything, so that
// a benchmark measures the Tracker alone.
type nopStreams struct{}

func (nopStreams) New(*flow.Conn) flow.Stream         { return nopStreams{} }
func (nopStreams) Event(*flow.Conn, *flow.Event)      {}
func (nopStreams) Close(*flow.Conn, flow.CloseReason) {}

// BenchmarkManyOpenConnections measures the Tracker's connection table
// with 131072 connections open at once (a quarter of them IPv6): every
// SYN, then every SYN,ACK, then every ACK, in that order.
func BenchmarkManyOpenConnections(b *testing.B) {
	const n = 1 << 17
	srv4 := netip.MustParseAddrPort("192.0.2.25:25")
	srv6 := netip.MustParseAddrPort("[2001:db8::25]:25")
	segs := make([]flow.Segment, 0, 3*n)
	for _, flags := range []uint8{flow.FlagSYN, flow.FlagSYN | flow.FlagACK, flow.FlagACK} {
		for i := 0; i < n; i++ {
			cl := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(1024+i%60000))
			srv := srv4
			if i%4 == 3 {
				a := netip.MustParseAddr("2001:db8:1::").As16()
				a[13], a[14], a[15] = byte(i>>16), byte(i>>8), byte(i)
				cl, srv = netip.AddrPortFrom(netip.AddrFrom16(a), cl.Port()), srv6
			}
			s := flow.Segment{Src: cl, Dst: srv, Seq: uint32(i), Flags: flags, Time: t0.Add(time.Duration(len(segs)) * time.Microsecond)}
			if flags&flow.FlagSYN != 0 && flags&flow.FlagACK != 0 {
				s.Src, s.Dst, s.Seq, s.Ack = srv, cl, 7, uint32(i)+1
			} else if flags == flow.FlagACK {
				s.Seq, s.Ack = uint32(i)+1, 8
			}
			segs = append(segs, s)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts)}, nopStreams{})
		for i := range segs {
			tr.Segment(&segs[i])
		}
		if tr.Open() != n {
			b.Fatalf("%d open connections, want %d", tr.Open(), n)
		}
		tr.Flush()
	}
	b.ReportMetric(float64(len(segs))*float64(b.N)/b.Elapsed().Seconds(), "segments/s")
}
