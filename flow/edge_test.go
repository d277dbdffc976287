package flow_test

import (
	"bytes"
	"io"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

var (
	t0     = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	server = pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	client = pcaptest.Endpoint{Addr: netip.MustParseAddr("198.51.100.7"), Port: 41000}
)

func ms(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

// analyze runs a built capture through capture, flow and classify, and
// returns the decided records and the tracker's stats.
func analyze(t *testing.T, data []byte, cfg flow.Config) ([]classify.Record, flow.Stats) {
	t.Helper()
	if cfg.Ports == (flow.Ports{}) {
		cfg.Ports = flow.MustParsePorts(flow.DefaultPorts)
	}
	var recs []classify.Record
	tr := flow.NewTracker(cfg, classify.NewClassifier(func(r *classify.Record) { recs = append(recs, *r) }))
	src, err := capture.NewReader("test", io.NopCloser(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	for {
		err := src.Next(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		tr.Packet(&p)
	}
	tr.Flush()
	return recs, tr.Stats()
}

func handshake(c *pcaptest.Conv) {
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.ACK(ms(2))
}

func verdicts(recs []classify.Record) string {
	var b bytes.Buffer
	for i, r := range recs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.Verdict.String())
		if r.Outcome != classify.OutcomeNone {
			b.WriteString("/" + r.Outcome.String())
		}
	}
	return b.String()
}

func TestOutOfOrderGreetingIsReassembled(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	// "554 5.7.1 go away\r\n" in three segments, delivered 3, 1, 2.
	c.ServerAt(ms(3), 13, "away\r\n")
	c.ServerAt(ms(4), 0, "554 ")
	c.ServerAt(ms(5), 4, "5.7.1 go ")
	c.SkipServer(19)
	c.ServerFIN(ms(6))
	c.ClientFIN(ms(7))
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	if verdicts(recs) != "REJECT" || recs[0].Banner != "5.7.1 go away" || recs[0].ServerBytes != 19 {
		t.Fatalf("got %s banner %q bytes %d", verdicts(recs), recs[0].Banner, recs[0].ServerBytes)
	}
}

func TestRetransmittedAndOverlappingDataCountedOnce(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.Server(ms(3), "220 mx ESMTP\r\n")
	c.ServerAt(ms(4), 0, "220 mx ESMTP\r\n") // retransmission
	c.Client(ms(5), "QUIT\r\n")
	c.ClientAt(ms(6), 2, "IT\r\n") // overlap, nothing new
	c.Server(ms(7), "221 bye\r\n")
	c.ServerFIN(ms(8))
	c.ClientFIN(ms(9))
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	r := recs[0]
	if verdicts(recs) != "ACCEPT/QUIT" || r.ServerBytes != 23 || r.ClientBytes != 6 || len(r.Replies) != 2 {
		t.Fatalf("got %s, bytes %d/%d, %d replies", verdicts(recs), r.ClientBytes, r.ServerBytes, len(r.Replies))
	}
	if !bytes.ContainsRune([]byte(r.History), 'T') || !bytes.ContainsRune([]byte(r.History), 't') {
		t.Errorf("history %q lacks the retransmission letters", r.History)
	}
}

func TestRetransmittedSYNIsOneConnection(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	for _, at := range []int{0, 1000, 3000} {
		b.TCP(ms(at), client, server, "S", 1000, 0, nil) // same ISN each time
	}
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	if verdicts(recs) != "NO_ANSWER" || recs[0].ClientPackets != 3 {
		t.Fatalf("got %s (%d records)", verdicts(recs), len(recs))
	}
}

func TestMissingSYNStillClassifies(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	c.SkipClient(1) // the SYN is not in the capture
	c.SYNACK(ms(1))
	c.ACK(ms(2))
	c.ServerRST(ms(3))
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	if verdicts(recs) != "TCPREFUSE" || recs[0].Client != client.Addr {
		t.Fatalf("got %s client %v", verdicts(recs), recs[0].Client)
	}
}

func TestCaptureStartingMidSessionIsIncomplete(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	c.SkipClient(1)
	c.SkipServer(1)
	c.Server(ms(1), "250 2.1.5 ok\r\n") // first packet seen: from the server
	c.Client(ms(2), "QUIT\r\n")
	c.Server(ms(3), "221 bye\r\n")
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	r := recs[0]
	if verdicts(recs) != "INCOMPLETE" || r.ConnState != "OTH" || r.Client != client.Addr || r.History[0] != '^' {
		t.Fatalf("got %s state %s client %v history %q", verdicts(recs), r.ConnState, r.Client, r.History)
	}
}

func TestPortReuseAfterTeardownIsANewConnection(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.ServerRST(ms(3))
	d := b.Conv(client, server, 5000, 7000) // same ports, new ISNs
	d.SYN(ms(10))
	d.SYNACK(ms(11))
	d.ACK(ms(12))
	d.Server(ms(13), "220 mx\r\n")
	d.Client(ms(14), "QUIT\r\n")
	d.Server(ms(15), "221 bye\r\n")
	d.ServerFIN(ms(16))
	d.ClientFIN(ms(17))
	recs, st := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	if verdicts(recs) != "TCPREFUSE ACCEPT/QUIT" || st.Connections != 2 {
		t.Fatalf("got %s, %d connections", verdicts(recs), st.Connections)
	}
}

func TestPacketsAfterRSTDoNotMakeAConnection(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.ServerRST(ms(3))
	c.Client(ms(4), "EHLO late\r\n") // in flight when the RST came
	c.ServerRST(ms(5))
	c.ClientRST(ms(6))
	recs, st := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	if verdicts(recs) != "TCPREFUSE" || st.Connections != 1 {
		t.Fatalf("got %s, %d connections", verdicts(recs), st.Connections)
	}
}

func TestChecksumOffloadAndVLANTagsAreRead(t *testing.T) {
	for _, link := range []pcaptest.Link{pcaptest.EthernetVLAN, pcaptest.EthernetQinQ, pcaptest.LinuxSLL, pcaptest.LinuxSLL2, pcaptest.RawIP, pcaptest.Null} {
		b := pcaptest.NewBuilder(link)
		b.VLAN, b.OuterVLAN = 42, 100
		b.BadChecksums = true
		b.IPv6ExtHeader = true
		for i, cl := range []pcaptest.Endpoint{client, {Addr: netip.MustParseAddr("2001:db8::7"), Port: 41001}} {
			srv := server
			if i == 1 {
				srv.Addr = netip.MustParseAddr("2001:db8::25")
			}
			c := b.Conv(cl, srv, 1000, 9000)
			handshake(c)
			c.Server(ms(3), "554 no\r\n")
			c.ServerFIN(ms(4))
			c.ClientFIN(ms(5))
		}
		recs, st := analyze(t, b.Bytes(pcaptest.PcapNG), flow.Config{})
		if verdicts(recs) != "REJECT REJECT" || st.Malformed != 0 {
			t.Errorf("%v: got %q, malformed %d", link, verdicts(recs), st.Malformed)
		}
	}
}

func TestIdleConnectionDecidedInPacketTime(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	c.Server(ms(3), "220 mx\r\n")
	other := pcaptest.Endpoint{Addr: netip.MustParseAddr("198.51.100.8"), Port: 41000}
	d := b.Conv(other, server, 1000, 9000)
	late := t0.Add(time.Hour)
	d.SYN(late)
	d.SYNACK(late.Add(time.Millisecond))
	d.ACK(late.Add(2 * time.Millisecond))
	d.ServerRST(late.Add(3 * time.Millisecond))
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{IdleTimeout: time.Minute})
	// The first connection is decided (idle) before the second one's
	// teardown, so it is emitted first.
	if verdicts(recs) != "ACCEPT/INCOMPLETE TCPREFUSE" || recs[0].Client != client.Addr {
		t.Fatalf("got %s", verdicts(recs))
	}
}

func TestSYNFloodStaysWithinMaxConns(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.RawIP)
	for i := 0; i < 5000; i++ {
		src := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), Port: 40000}
		b.TCP(ms(i), src, server, "S", uint32(i), 0, nil)
	}
	var recs int
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts("25"), MaxConns: 100},
		classify.NewClassifier(func(*classify.Record) { recs++ }))
	src, err := capture.NewReader("flood", io.NopCloser(bytes.NewReader(b.Bytes(pcaptest.Pcap))))
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	for src.Next(&p) == nil {
		tr.Packet(&p)
		if tr.Open() > 100 {
			t.Fatalf("%d open connections, limit 100", tr.Open())
		}
	}
	tr.Flush()
	if st := tr.Stats(); st.Evicted != 4900 || recs != 5000 {
		t.Fatalf("evicted %d, records %d", st.Evicted, recs)
	}
}

func TestMalformedFramesAreCounted(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(client, server, 1000, 9000)
	handshake(c)
	b.Raw(ms(3), []byte{1, 2, 3})                                                               // shorter than Ethernet
	b.Raw(ms(4), append(make([]byte, 12), 0x08, 0x00, 0x41, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0)) // IPv4 IHL 1
	c.ServerRST(ms(5))
	recs, st := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	if verdicts(recs) != "TCPREFUSE" || st.Malformed != 2 {
		t.Fatalf("got %s, malformed %d", verdicts(recs), st.Malformed)
	}
}

func TestBothSidesOnSMTPPortsServerIsGreeter(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	mta := pcaptest.Endpoint{Addr: netip.MustParseAddr("198.51.100.9"), Port: 25}
	c := b.Conv(mta, server, 1000, 9000)
	c.SkipClient(1)
	c.SkipServer(1)
	c.Server(ms(1), "220 mx\r\n")
	c.Client(ms(2), "QUIT\r\n")
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	if recs[0].Server != server.Addr {
		t.Fatalf("server is %v, want the greeter %v", recs[0].Server, server.Addr)
	}
}

// track feeds packets to a new Tracker, ends it with ExpireAll (or Flush
// when last), and returns its records and stats.
func track(cfg flow.Config, packets []pcaptest.Packet, last bool) ([]classify.Record, flow.Stats) {
	var recs []classify.Record
	tr := flow.NewTracker(cfg, classify.NewClassifier(func(r *classify.Record) { recs = append(recs, *r) }))
	for _, p := range packets {
		tr.Packet(&capture.Packet{Data: p.Data, Time: p.Time, Length: len(p.Data), LinkType: capture.LinkEthernet})
	}
	if last {
		tr.Flush()
	} else {
		tr.ExpireAll()
	}
	return recs, tr.Stats()
}

// TestInputsBeyondTheHorizonCanBeTrackedApart checks that a capture whose
// second half starts more than Config.Horizon after the first ends gives
// the same records, in the same order, from one Tracker as from two:
// the first ended with ExpireAll, the second's connection numbers shifted.
func TestInputsBeyondTheHorizonCanBeTrackedApart(t *testing.T) {
	cfg := flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts), IdleTimeout: time.Minute}
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	at := t0
	part := func(base int) {
		var convs []*pcaptest.Conv
		for i := 0; i < 4; i++ {
			cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{198, 51, 100, byte(base + i)}), Port: 40000}
			c := b.Conv(cl, server, uint32(i)*1000, 9000)
			c.SYN(at.Add(time.Duration(i) * time.Millisecond))
			convs = append(convs, c)
		}
		// Touched out of order, so that least recently active is not
		// the order of the connection numbers; the first one closes.
		at = at.Add(10 * time.Millisecond)
		for _, i := range []int{2, 0, 3} {
			convs[i].SYNACK(at)
			at = at.Add(time.Millisecond)
		}
		convs[0].ACK(at)
		convs[0].ServerRST(at.Add(time.Millisecond))
		at = at.Add(time.Second)
	}
	part(0)
	split := len(b.Packets)
	at = at.Add(cfg.Horizon() + time.Second)
	part(10)

	whole, wst := track(cfg, b.Packets, true)
	first, fst := track(cfg, b.Packets[:split], false)
	second, sst := track(cfg, b.Packets[split:], true)
	for i := range second {
		second[i].ID += fst.Connections
	}
	if got := append(first, second...); !reflect.DeepEqual(got, whole) {
		t.Errorf("tracked apart:\n%+v\nin one:\n%+v", got, whole)
	}
	if fst.Connections+sst.Connections != wst.Connections || fst.Packets+sst.Packets != wst.Packets {
		t.Errorf("stats %+v + %+v, want %+v", fst, sst, wst)
	}
}

// TestLateACKAfterTheDecisionIsAbsorbed: a connection is decided at its
// FIN exchange and its Conn goes straight to the next connection (other
// ports); the first one's last ACK and a retransmitted FIN come after
// that. They must neither start a third connection nor reach the second
// one: both records keep their own packet counts.
func TestLateACKAfterTheDecisionIsAbsorbed(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	a := b.Conv(client, server, 1000, 9000)
	handshake(a)
	a.Server(ms(3), "220 mx\r\n")
	a.Client(ms(4), "QUIT\r\n")
	a.Server(ms(5), "221 bye\r\n")
	a.ServerFIN(ms(6))
	a.ClientFIN(ms(7))
	other := client
	other.Port++
	n := b.Conv(other, server, 5000, 7000)
	n.SYN(ms(8))
	n.SYNACK(ms(9))
	a.ACK(ms(10)) // a's last ACK, after its decision
	n.ACK(ms(11))
	n.Server(ms(12), "554 no\r\n")
	a.ServerFIN(ms(13)) // a retransmitted FIN
	n.ServerFIN(ms(14))
	n.ClientFIN(ms(15))
	recs, st := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{})
	if verdicts(recs) != "ACCEPT/QUIT REJECT" || st.Connections != 2 {
		t.Fatalf("got %s, %d connections", verdicts(recs), st.Connections)
	}
	if r := recs[1]; r.ClientPackets != 3 || r.ServerPackets != 3 || r.History != "ShAdfF" {
		t.Errorf("second connection: %d client and %d server packets, history %s; want 3, 3, ShAdfF", r.ClientPackets, r.ServerPackets, r.History)
	}
}
