package flow_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// eventLog is a flow.StreamFactory whose streams write what they are told,
// one line per event and per close, so that a test reads the reassembly's
// decisions themselves rather than a verdict built on them.
type eventLog struct{ lines []string }

func (l *eventLog) New(*flow.Conn) flow.Stream { return l }

func (l *eventLog) Event(_ *flow.Conn, e *flow.Event) {
	line := fmt.Sprintf("%s %s", e.Dir, e.Kind)
	if e.Kind == flow.EventData {
		line += fmt.Sprintf(" %q", e.Payload)
	}
	if e.Gap {
		line += " after a gap"
	}
	l.lines = append(l.lines, line)
}

func (l *eventLog) Close(c *flow.Conn, why flow.CloseReason) {
	i := c.Info()
	l.lines = append(l.lines, fmt.Sprintf("close (%s): history %s, bytes %d/%d, missed %d/%d, given up %d/%d", why, i.History(),
		i.Bytes(flow.ClientToServer), i.Bytes(flow.ServerToClient), i.Missed(flow.ClientToServer), i.Missed(flow.ServerToClient),
		i.GaveUp(flow.ClientToServer), i.GaveUp(flow.ServerToClient)))
}

// transcript runs the capture b holds through a Tracker, the frames whose
// index is in cut captured only to that many bytes (as a snap length
// would), and returns the event log.
func transcript(t *testing.T, b *pcaptest.Builder, cut map[int]int) string {
	t.Helper()
	var l eventLog
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts)}, &l)
	src, err := capture.NewReader("test", io.NopCloser(bytes.NewReader(b.Bytes(pcaptest.Pcap))))
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	for i := 0; ; i++ {
		if err := src.Next(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if n, ok := cut[i]; ok {
			p.Data = p.Data[:n]
		}
		tr.Packet(&p)
	}
	tr.Flush()
	var out bytes.Buffer
	for _, line := range l.lines {
		if line != "client SYN" && line != "server SYNACK" && line != "client ESTABLISHED" {
			out.WriteString(line + "\n")
		}
	}
	return out.String()
}

func checkTranscript(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
}

// TestSegmentOverlappingDeliveredBytesIsTrimmed: a segment that repeats
// the end of what was delivered and carries new bytes after it gives only
// the new bytes.
func TestSegmentOverlappingDeliveredBytesIsTrimmed(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.Server(ms(3), "220 mx")
	c.ServerAt(ms(4), 3, " mx ESMTP\r\n") // " mx" again, then new bytes
	checkTranscript(t, transcript(t, b, nil), `server DATA "220 mx"
server DATA " ESMTP\r\n"
close (end of input): history ShAdt, bytes 0/14, missed 0/0, given up 0/0
`)
}

// TestDuplicateOfAHeldSegmentIsHeldOnce: a retransmission of a segment
// held out of order is dropped (history T), and the bytes come once when
// the hole is filled.
func TestDuplicateOfAHeldSegmentIsHeldOnce(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.ServerAt(ms(3), 4, "mx ESMTP\r\n") // ahead of "220 "
	c.ServerAt(ms(4), 4, "mx ESMTP\r\n") // its retransmission, still held
	c.ServerAt(ms(5), 0, "220 ")
	checkTranscript(t, transcript(t, b, nil), `server DATA "220 "
server DATA "mx ESMTP\r\n"
close (end of input): history ShAdt, bytes 0/14, missed 0/0, given up 0/0
`)
}

// TestHeldSegmentOverlappingTheFillIsTrimmed: the segment that fills a
// hole reaches into a held one; the held one gives only its bytes past
// the fill.
func TestHeldSegmentOverlappingTheFillIsTrimmed(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.ServerAt(ms(3), 4, "mx ESMTP\r\n")
	c.ServerAt(ms(4), 0, "220 mx E") // covers "mx E" of the held segment
	checkTranscript(t, transcript(t, b, nil), `server DATA "220 mx E"
server DATA "SMTP\r\n"
close (end of input): history ShAd, bytes 0/14, missed 0/0, given up 0/0
`)
}

// TestCloseWhileDataIsHeld: the capture ends with a hole before held data
// and a FIN: the held bytes are delivered after a gap, the hole counted
// as missed, and the FIN follows.
func TestCloseWhileDataIsHeld(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.Server(ms(3), "220 mx ESMTP\r\n")
	c.Client(ms(4), "EHLO a\r\n")
	c.SkipClient(6) // "QUIT\r\n" never captured
	c.Client(ms(5), "NOOP\r\n")
	c.ClientFIN(ms(6))
	checkTranscript(t, transcript(t, b, nil), `server DATA "220 mx ESMTP\r\n"
client DATA "EHLO a\r\n"
client DATA "NOOP\r\n" after a gap
client FIN
close (end of input): history ShAdDFG, bytes 14/14, missed 6/0, given up 0/0
`)
}

// TestFINAfterAHoleIsDeliveredAtClose: a FIN whose bytes before it were
// never captured waits for them, then comes at the close with the hole
// counted as missed.
func TestFINAfterAHoleIsDeliveredAtClose(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.Server(ms(3), "220 mx ESMTP\r\n")
	c.SkipServer(9) // "221 bye\r\n" never captured
	c.ServerFIN(ms(4))
	checkTranscript(t, transcript(t, b, nil), `server DATA "220 mx ESMTP\r\n"
server FIN after a gap
close (end of input): history ShAdf, bytes 0/14, missed 0/9, given up 0/0
`)
}

// TestSnapLengthCutSaysSoAtOnce: a segment the snap length cut delivers
// what was captured, then a payload-less event with Gap, so that the next
// segment's bytes are never read as the continuation of its line.
func TestSnapLengthCutSaysSoAtOnce(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.Server(ms(3), "220 mx ESMTP\r\n")
	c.Client(ms(4), "QUIT\r\n")
	const headers = 14 + 20 + 20 // Ethernet, IPv4, TCP without options
	checkTranscript(t, transcript(t, b, map[int]int{3: headers + 5}), `server DATA "220 m"
server DATA "" after a gap
client DATA "QUIT\r\n"
close (end of input): history ShAdgD, bytes 6/5, missed 0/9, given up 0/0
`)
}

// TestHoldOverflowSkipsToTheHeldData: past the bound on held bytes, the
// bytes missing before the earliest held segment are given up (GaveUp,
// history G) and the held data is delivered after a gap; what comes after
// is delivered in order again.
func TestHoldOverflowSkipsToTheHeldData(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	chunk := string(bytes.Repeat([]byte("x"), 1400))
	const n = 760 // 760 segments of 1,400 bytes (plus bookkeeping) pass 1 MiB
	for i := range n {
		c.ClientAt(ms(3+i), uint32(100+i*1400), chunk)
	}
	got := transcript(t, b, nil)
	want := fmt.Sprintf("client DATA %q after a gap\n", chunk)
	if !bytes.HasPrefix([]byte(got), []byte(want)) {
		t.Fatalf("the first event is not the earliest held segment after a gap:\n%.300s", got)
	}
	if !bytes.HasSuffix([]byte(got), []byte(fmt.Sprintf("history ShADG, bytes %d/0, missed 0/0, given up 100/0\n", n*1400))) {
		t.Errorf("the close does not count every byte delivered and the 100 given up:\n%s", got[len(got)-200:])
	}
}

// TestHeldSegmentCoveredByTheFillIsDropped: the segment that fills the
// hole carries every byte of a held one too; the held one adds nothing.
func TestHeldSegmentCoveredByTheFillIsDropped(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.ServerAt(ms(3), 4, "mx")
	c.ServerAt(ms(4), 0, "220 mx ESMTP\r\n")
	checkTranscript(t, transcript(t, b, nil), `server DATA "220 mx ESMTP\r\n"
close (end of input): history ShAd, bytes 0/14, missed 0/0, given up 0/0
`)
}
