package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
)

// buildEsaflow builds the command into a temporary directory, for tests
// that run it as a process, with or without cgo (both capture live where
// libpcap is installed).
func buildEsaflow(t *testing.T, cgo bool) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("signals are tested on Linux")
	}
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "esaflow")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if cgo {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// sampleAsPcap returns the sample capture's frames as a pcap file.
func sampleAsPcap(t *testing.T) []byte {
	t.Helper()
	src, err := capture.Open("../../testdata/sample.pcapng", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var b bytes.Buffer
	writePcapHeader(&b)
	var pkt capture.Packet
	for src.Next(&pkt) == nil {
		writePcapRecord(&b, &pkt)
	}
	return b.Bytes()
}

// TestInterruptWritesTheReportOfWhatWasRead: analyze reads a FIFO whose
// writer stays open (a capture still being taken); SIGINT ends the read,
// and the report of every packet read so far is written, with the exit
// code that says it was interrupted.
func TestInterruptWritesTheReportOfWhatWasRead(t *testing.T) {
	bin := buildEsaflow(t, false)
	fifo := filepath.Join(t.TempDir(), "capture.pcap")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, "analyze", "--format", "json", fifo)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Write(sampleAsPcap(t)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // read, then blocked on the open FIFO
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 10*time.Second)
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %s", code, ExitInterrupted, errb.String())
	}
	var doc analyzeJSON
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("the report is not complete JSON: %v\n%s", err, out.String())
	}
	if len(doc.Connections) != 13 || !strings.Contains(strings.Join(doc.Stats.Warnings, " "), "interrupted") {
		t.Errorf("%d connections (want the sample's 13), warnings %v", len(doc.Connections), doc.Stats.Warnings)
	}
}

// TestSecondSignalEndsAtOnce: reading standard input that stays open, the
// first SIGTERM cannot cut the read short; a second one ends esaflow at
// once.
func TestSecondSignalEndsAtOnce(t *testing.T) {
	bin := buildEsaflow(t, false)
	cmd := exec.Command(bin, "analyze", "--format", "json", "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if _, err := stdin.Write(sampleAsPcap(t)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		// The read did end: the report was written, with its code.
		var ee *exec.ExitError
		if !errors.As(err, &ee) || exitCode(ee.ExitCode()) != ExitInterrupted {
			t.Fatalf("after one SIGTERM: %v", err)
		}
		return
	case <-time.After(time.Second):
	}
	t.Log("one SIGTERM did not end the read of standard input; a second one must")
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
			t.Errorf("after the second SIGTERM: %v, want killed by it", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the second signal took %s", d)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still running 5 s after the second SIGTERM")
	}
}

// waitExit waits for cmd and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) exitCode {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return exitCode(ee.ExitCode())
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		cmd.Process.Kill()
		t.Fatalf("still running after %s", limit)
	}
	return -1
}

// TestLiveInterruptedWritesItsTablesAndStats: SIGINT ends a live capture
// with the per-host table, libpcap's counters and the interrupted code.
func TestLiveInterruptedWritesItsTablesAndStats(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("live capture needs root")
	}
	bin := buildEsaflow(t, false) // live without cgo: libpcap loaded at run time
	var out bytes.Buffer
	var errb syncBuffer // read while the command writes it
	cmd := exec.Command(bin, "live", "-i", "lo", "--ports", "2799")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50 && !strings.Contains(errb.String(), "capturing on"); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 10*time.Second)
	if capture.LiveSupported() != nil {
		t.Skip("no libpcap on this machine")
	}
	if code != ExitInterrupted || !strings.Contains(errb.String(), "libpcap: ") || !strings.Contains(out.String(), "no connections") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader (a
// command's output read while it runs).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
