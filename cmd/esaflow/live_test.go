package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
)

// smtpServer listens on loopback and treats each connection with handle.
func smtpServer(t *testing.T, handle func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// skipUnlessLive skips when capture on lo is not permitted here, unless
// ESAFLOW_REQUIRE_LIVE=1 (set by CI), which makes it a failure. Any other
// error opening the capture fails the test.
func skipUnlessLive(t *testing.T) {
	t.Helper()
	probe, err := capture.OpenLive(capture.LiveOptions{Interface: "lo", Filter: "tcp port 1"})
	if err == nil {
		probe.Close()
		return
	}
	if !errors.Is(err, capture.ErrPermission) {
		t.Fatalf("opening a capture on lo: %v", err)
	}
	if os.Getenv("ESAFLOW_REQUIRE_LIVE") == "1" {
		t.Fatalf("ESAFLOW_REQUIRE_LIVE=1 but live capture is not permitted: %v", err)
	}
	t.Skipf("live capture not permitted here: %v", err)
}

// startLive runs runLive with opts in a goroutine and returns once the
// capture is open; done receives runLive's result. A positive width is the
// terminal's.
func startLive(ctx context.Context, t *testing.T, opts *LiveOptions, width int) (out, errs *syncBuffer, done chan error) {
	t.Helper()
	out, errs = &syncBuffer{}, &syncBuffer{}
	ready := make(chan struct{})
	done = make(chan error, 1)
	opts.ready = func() { close(ready) }
	stdio := IO{In: strings.NewReader(""), Out: out, Err: errs}
	if width > 0 {
		stdio.Width = func() int { return width }
	}
	go func() { done <- runLive(ctx, opts, stdio) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("live ended before capturing: %v %s", err, errs.String())
	}
	return out, errs, done
}

func TestLiveLoopbackVerdicts(t *testing.T) {
	skipUnlessLive(t)

	accept := smtpServer(t, func(c net.Conn) {
		defer c.Close()
		fmt.Fprintf(c, "220 test ESMTP\r\n")
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.HasPrefix(strings.ToUpper(line), "QUIT") {
				fmt.Fprintf(c, "221 bye\r\n")
				return
			}
			fmt.Fprintf(c, "250 ok\r\n")
		}
	})
	reject := smtpServer(t, func(c net.Conn) {
		fmt.Fprintf(c, "554 5.7.1 go away\r\n")
		c.Close()
	})
	refuse := smtpServer(t, func(c net.Conn) {
		c.(*net.TCPConn).SetLinger(0) // close with RST
		c.Close()
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := &LiveOptions{
		Interface: "lo", Format: "jsonl", Count: 3, Snaplen: 262144, GroupBy: "client",
		TrackerOptions: TrackerOptions{Ports: fmt.Sprintf("%d,%d,%d", accept, reject, refuse), PortsOnly: true, IdleTimeout: time.Minute, MaxConns: flow.DefaultMaxConns},
		Write:          t.TempDir() + "/live.pcap",
	}
	out, errs, done := startLive(ctx, t, opts, 0)

	dial := func(port int, talk func(net.Conn)) {
		c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if errors.Is(err, syscall.ECONNRESET) && port == refuse {
			// On loopback the server's RST can overtake connect's return:
			// the wire still shows the handshake and then the RST.
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		talk(c)
	}
	dial(accept, func(c net.Conn) {
		r := bufio.NewReader(c)
		r.ReadString('\n')
		fmt.Fprintf(c, "EHLO live.test\r\n")
		r.ReadString('\n')
		fmt.Fprintf(c, "QUIT\r\n")
		r.ReadString('\n')
		r.ReadString('\n') // EOF: the server closed
	})
	dial(reject, func(c net.Conn) {
		r := bufio.NewReader(c)
		r.ReadString('\n')
		r.ReadString('\n')
	})
	dial(refuse, func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := c.Read(make([]byte, 1))
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Logf("refuse server: read gave %v", err)
		}
	})

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("live: %v\n%s", err, errs.String())
		}
	case <-ctx.Done():
		<-done
		dump, _ := exec.Command("tcpdump", "-nn", "-tt", "-r", opts.Write).CombinedOutput()
		t.Fatalf("no three decided connections in time; output so far:\n%s\n%s\npackets:\n%s", out.String(), errs.String(), dump)
	}
	got := map[int]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			ServerPort int    `json:"server_port"`
			Verdict    string `json:"verdict"`
			Outcome    string `json:"outcome"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a JSON record: %q", line)
		}
		got[r.ServerPort] = strings.TrimSpace(r.Verdict + " " + r.Outcome)
	}
	want := map[int]string{accept: "ACCEPT QUIT", reject: "REJECT", refuse: "TCPREFUSE"}
	for port, w := range want {
		if got[port] != w {
			t.Errorf("port %d: got %q, want %q", port, got[port], w)
		}
	}
	if !strings.Contains(errs.String(), " 0 dropped by the kernel") {
		t.Errorf("libpcap statistics missing or the kernel dropped packets: %q", errs.String())
	}
}

func TestLiveErrorsSayWhatToDo(t *testing.T) {
	skipUnlessLive(t)
	code, _, errs := run("live", "-i", "no-such-if0")
	if code != ExitUsage || !strings.Contains(errs, "no such interface") || !strings.Contains(errs, "lo") {
		t.Errorf("unknown interface: exit %d, %q", code, errs)
	}
	saved := t.TempDir() + "/never.pcap"
	code, _, errs = run("live", "-i", "lo", "-f", "tcp prot 25", "-w", saved)
	if code != ExitUsage || !strings.Contains(errs, "bad capture filter") || !strings.Contains(errs, "syntax error") {
		t.Errorf("bad filter: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(saved); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed start left the -w file behind: %v", err)
	}
	if code, _, _ := run("live"); code != ExitUsage {
		t.Errorf("no interface: exit %d", code)
	}
}

// TestLiveWithoutPermissionShowsSetcap runs esaflow live as an
// unprivileged user (the test binary re-executed through setpriv) and
// expects the one-line error with the setcap command and exit 1.
func TestLiveWithoutPermissionShowsSetcap(t *testing.T) {
	if os.Getenv("ESAFLOW_TEST_MAIN") == "1" {
		os.Exit(int(Main(context.Background(), []string{"live", "-i", "lo"}, IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})))
	}
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv to drop privileges")
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		os.Args[0], "-test.run=^TestLiveWithoutPermissionShowsSetcap$")
	cmd.Env = append(os.Environ(), "ESAFLOW_TEST_MAIN=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || exitCode(ee.ExitCode()) != ExitInput {
		t.Fatalf("exit %v, output %q", err, out)
	}
	if !strings.Contains(string(out), "no permission") || !strings.Contains(string(out), "setcap cap_net_raw") {
		t.Errorf("output %q", out)
	}
}
