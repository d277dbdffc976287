package flow_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// tapLog runs b through a Tracker with a Tap and returns one line per
// segment the tap saw: the connection's ID ("-" for none) and the
// segment's flags and payload length.
func tapLog(t *testing.T, b *pcaptest.Builder, cfg flow.Config) string {
	t.Helper()
	var lines []string
	cfg.Tap = func(c *flow.Conn, seg *flow.Segment) {
		id := "-"
		if c != nil {
			id = fmt.Sprint(c.ID)
		}
		lines = append(lines, fmt.Sprintf("%s %02x %d", id, seg.Flags, len(seg.Payload)))
	}
	analyze(t, b.Bytes(pcaptest.Pcap), cfg)
	return strings.Join(lines, "\n")
}

// TestTapSeesEverySegmentWithItsConnection: the tap sees each segment the
// Tracker applies with the connection it went to, including the last ACK
// absorbed after the connection was decided (no connection: its tomb),
// and a probe's segments with ID 0 until its content shows SMTP (here
// the greeting, which names ESMTP).
func TestTapSeesEverySegmentWithItsConnection(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.Server(ms(3), "554 5.7.1 no\r\n")
	c.ServerFIN(ms(4))
	c.ClientFIN(ms(5))
	c.ServerACK(ms(6)) // after the teardown: absorbed
	want := "1 02 0\n1 12 0\n1 10 0\n1 18 14\n1 11 0\n1 11 0\n- 10 0"
	if got := tapLog(t, b, flow.Config{}); got != want {
		t.Errorf("tap saw:\n%s\nwant:\n%s", got, want)
	}

	b = pcaptest.NewBuilder(pcaptest.Ethernet)
	odd := pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 2526}
	p := b.Conv(client, odd, 1000, 9000)
	p.SYN(ms(0))
	p.SYNACK(ms(1))
	p.ACK(ms(2))
	p.Server(ms(3), "220 mx ESMTP\r\n")
	p.Client(ms(4), "EHLO c\r\n")
	p.Server(ms(5), "250 mx\r\n")
	want = "0 02 0\n0 12 0\n0 10 0\n1 18 14\n1 18 8\n1 18 8" // the greeting says ESMTP: SMTP from there
	if got := tapLog(t, b, flow.Config{Ports: flow.MustParsePorts("25"), AnyPort: true}); got != want {
		t.Errorf("probe: tap saw:\n%s\nwant:\n%s", got, want)
	}
}
