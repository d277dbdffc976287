package flow_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// anyPort is the tracking the commands use by default: the listed ports,
// and content detection everywhere else.
var anyPort = flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts), AnyPort: true}

func TestSMTPOnAnUnlistedPortIsFoundByContent(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	srv := pcaptest.Endpoint{Addr: server.Addr, Port: 2526}
	c := b.Conv(client, srv, 1000, 5000)
	handshake(c)
	c.Server(ms(3), "220 mx.example ready\r\n")
	c.Client(ms(4), "EHLO client.example\r\n")
	c.Server(ms(5), "250 mx.example\r\n")
	c.Client(ms(6), "QUIT\r\n")
	c.Server(ms(7), "221 Bye\r\n")
	c.ServerFIN(ms(8))
	c.ClientFIN(ms(9))
	recs, st := analyze(t, b.Bytes(pcaptest.Pcap), anyPort)
	if got := verdicts(recs); got != "ACCEPT/QUIT" {
		t.Fatalf("got %q, want the session found on port 2526 (ACCEPT/QUIT)", got)
	}
	if r := recs[0]; r.ID != 1 || r.ServerPort != 2526 || !strings.HasPrefix(r.History, "ShA") || len(r.Replies) != 3 || r.Replies[1].Command != "EHLO client.example" {
		t.Errorf("record %+v: the events before the confirmation were not all replayed", r)
	}
	if st.Connections != 1 {
		t.Errorf("%d connections counted, want 1", st.Connections)
	}
	// The same session with --ports given: not looked at.
	if recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), flow.Config{Ports: anyPort.Ports}); len(recs) != 0 {
		t.Errorf("with the ports restricted, %d records", len(recs))
	}
}

func TestFTPGreetingOnAnUnlistedPortIsNotSMTP(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	srv := pcaptest.Endpoint{Addr: server.Addr, Port: 21}
	c := b.Conv(client, srv, 1000, 5000)
	handshake(c)
	c.Server(ms(3), "220 (vsFTPd 3.0.3)\r\n")
	c.Client(ms(4), "USER anonymous\r\n")
	c.Server(ms(5), "331 Please specify the password.\r\n")
	for i := range 50 {
		c.Server(ms(6+i), strings.Repeat("x", 1000)) // a transfer, absorbed
	}
	c.ServerFIN(ms(60))
	c.ClientFIN(ms(61))
	recs, st := analyze(t, b.Bytes(pcaptest.Pcap), anyPort)
	if len(recs) != 0 || st.Connections != 0 {
		t.Fatalf("FTP reported as %q, %d connections", verdicts(recs), st.Connections)
	}
}

func TestRefusingGreetingAloneShowsSMTP(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	srv := pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.26"), Port: 8025}
	c := b.Conv(client, srv, 1000, 5000)
	handshake(c)
	c.Server(ms(3), "554 5.7.1 Access denied\r\n")
	c.ServerFIN(ms(4))
	c.ClientFIN(ms(5))
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), anyPort)
	if got := verdicts(recs); got != "REJECT" {
		t.Fatalf("got %q, want REJECT (the enhanced code is SMTP's)", got)
	}
}

func TestSilentConnectionOnAnUnlistedPortIsNotReported(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	srv := pcaptest.Endpoint{Addr: server.Addr, Port: 443}
	c := b.Conv(client, srv, 1000, 5000)
	handshake(c)
	c.ServerRST(ms(3))
	recs, _ := analyze(t, b.Bytes(pcaptest.Pcap), anyPort)
	if len(recs) != 0 {
		t.Fatalf("a payload-less connection on 443 reported as %q", verdicts(recs))
	}
}
