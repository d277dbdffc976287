package flow_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
)

// steadySession opens one SMTP session up to the message body through
// tr and returns a step that sends the next 1448-byte body segment and
// the server's ACK of it: the steady state of a large transfer.
func steadySession(tr *flow.Tracker) (step func()) {
	cl := netip.MustParseAddrPort("198.51.100.7:40000")
	srv := netip.MustParseAddrPort("192.0.2.25:25")
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	cseq, sseq := uint32(1000), uint32(5000)
	send := func(fromClient bool, flags uint8, payload string) {
		at = at.Add(10 * time.Microsecond)
		s := flow.Segment{Src: cl, Dst: srv, Seq: cseq, Ack: sseq, Flags: flags, Payload: []byte(payload), WireLen: len(payload), Time: at, TTL: 64}
		if !fromClient {
			s.Src, s.Dst, s.Seq, s.Ack = srv, cl, sseq, cseq
		}
		tr.Segment(&s)
		n := uint32(len(payload))
		if flags&(flow.FlagSYN|flow.FlagFIN) != 0 {
			n++
		}
		if fromClient {
			cseq += n
		} else {
			sseq += n
		}
	}
	const ack, psh = flow.FlagACK, flow.FlagACK | flow.FlagPSH
	send(true, flow.FlagSYN, "")
	send(false, flow.FlagSYN|flow.FlagACK, "")
	send(true, ack, "")
	send(false, psh, "220 mx.example ESMTP\r\n")
	send(true, psh, "EHLO client.example\r\n")
	send(false, psh, "250-mx.example\r\n250 PIPELINING\r\n")
	send(true, psh, "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
	send(false, psh, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data\r\n")
	body := []byte(strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n", 30)[:1448])
	data := flow.Segment{Src: cl, Dst: srv, Flags: ack, Payload: body, WireLen: len(body), TTL: 64}
	srvAck := flow.Segment{Src: srv, Dst: cl, Flags: ack, TTL: 63}
	return func() {
		at = at.Add(10 * time.Microsecond)
		data.Seq, data.Ack, data.Time = cseq, sseq, at
		tr.Segment(&data)
		cseq += uint32(len(body))
		srvAck.Seq, srvAck.Ack, srvAck.Time = sseq, cseq, at
		tr.Segment(&srvAck)
	}
}

func TestBodySegmentsAllocateNothing(t *testing.T) {
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts("25")}, classify.NewClassifier(func(*classify.Record) {}))
	step := steadySession(tr)
	step() // the first body bytes switch the session to body mode
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("%.2f allocations per body segment and ACK, want 0", n)
	}
}

// BenchmarkBodySegment measures the steady state of a transfer: one
// 1448-byte body segment and the server's ACK through tracking,
// reassembly and the SMTP body scan. It must allocate nothing.
func BenchmarkBodySegment(b *testing.B) {
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts("25")}, classify.NewClassifier(func(*classify.Record) {}))
	step := steadySession(tr)
	b.SetBytes(1448)
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}
