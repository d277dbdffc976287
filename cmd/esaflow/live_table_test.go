package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/flow"
)

// TestLiveTableDecidesAnIdleConnectionWithoutMorePackets holds a connection
// open after the greeting: no packet comes after it, so only the wall clock
// (tracker.Advance on read timeouts) can decide it once --idle-timeout
// passes. The row must appear under the header, then the per-host table
// and libpcap's counters end the output.
func TestLiveTableDecidesAnIdleConnectionWithoutMorePackets(t *testing.T) {
	out := liveIdleConnection(t, 0)
	lines := strings.Split(out, "\n")
	row := strings.Fields(lines[1])
	if len(row) < 5 || row[2] != fmt.Sprintf("127.0.0.1:%d", idlePort) || row[3] != "ACCEPT" || !strings.Contains(lines[1], "220 idle.test ESMTP") {
		t.Errorf("connection row %q", lines[1])
	}
}

// TestLiveRowsFitTheTerminal: on an 80-column terminal live's header, its
// note of the columns left out, its rows and its per-host table are never
// wider (a pipe, above, gets every narrow column).
func TestLiveRowsFitTheTerminal(t *testing.T) {
	out := liveIdleConnection(t, 80)
	lines := strings.Split(out, "\n")
	if strings.Contains(lines[0], "BANNER") || !strings.HasPrefix(lines[1], "(BANNER, REASON, FLAGS left out at 80 columns") {
		t.Errorf("header and note:\n%s\n%s", lines[0], lines[1])
	}
	if row := strings.Fields(lines[2]); len(row) != 5 || row[2] != fmt.Sprintf("127.0.0.1:%d", idlePort) || row[3] != "ACCEPT" {
		t.Errorf("connection row %q", lines[2])
	}
	rows, _, _ := strings.Cut(out, "\nlibpcap: ")
	for _, line := range strings.Split(rows, "\n") {
		if len(line) > 80 {
			t.Errorf("a line of %d columns: %q", len(line), line)
		}
	}
}

// idlePort is the port of the last liveIdleConnection's server.
var idlePort int

// liveIdleConnection runs live (table format, the terminal width columns
// when positive) over one connection held open after the greeting, which
// only the idle timeout decides, and returns the output.
func liveIdleConnection(t *testing.T, width int) string {
	t.Helper()
	skipUnlessLive(t)
	hold := make(chan struct{})
	defer close(hold)
	port := smtpServer(t, func(c net.Conn) {
		defer c.Close()
		fmt.Fprintf(c, "220 idle.test ESMTP\r\n")
		<-hold
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := &LiveOptions{
		Interface: "lo", Format: "table", Count: 1, Snaplen: 262144, GroupBy: "client",
		TrackerOptions: TrackerOptions{Ports: fmt.Sprint(port), PortsOnly: true, IdleTimeout: time.Second, MaxConns: flow.DefaultMaxConns},
	}
	idlePort = port
	out, errs, done := startLive(ctx, t, opts, width)
	c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("live: %v\n%s", err, errs.String())
		}
	case <-ctx.Done():
		<-done
		t.Fatalf("the idle connection was never decided; output:\n%s\n%s", out.String(), errs.String())
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("decided after %v, before the 1s idle timeout", waited)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.HasPrefix(lines[0], "ID  ") || len(lines) < 3 {
		t.Fatalf("no header first:\n%s", out.String())
	}
	for _, want := range []string{"\nHOST ", "\n127.0.0.1 ", "\nlibpcap: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	return out.String()
}

func TestInterfacesListsLoopbackWithItsAddress(t *testing.T) {
	code, out, errs := run("interfaces")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	found := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "lo" && strings.Contains(line, "127.0.0.1") {
			found = true
		}
	}
	if !found {
		t.Errorf("no lo with 127.0.0.1:\n%s", out)
	}
}
