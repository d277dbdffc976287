package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runIO runs esaflow with args, standard input in, and returns the exit
// code, standard output and standard error.
func runIO(t *testing.T, in interface{ Read([]byte) (int, error) }, args ...string) (exitCode, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, IO{In: in, Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

// zeros is an endless input of zero bytes, as /dev/zero gives.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestExpectationsFromDevZeroAreRefused(t *testing.T) {
	start := time.Now()
	code, _, errs := runIO(t, strings.NewReader(""), "check", "--expect", "/dev/zero", "../../testdata/sample.pcapng")
	if code != ExitUsage || !strings.Contains(errs, "larger than") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestDirectoriesAreNamedAsSuch(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runIO(t, strings.NewReader(""), "check", "--expect", dir, "../../testdata/sample.pcapng"); code != ExitUsage || !strings.Contains(errs, "is a directory") {
		t.Errorf("check --expect DIR: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runIO(t, strings.NewReader(""), "analyze", dir); code != ExitInput || !strings.Contains(errs, "no capture file in the directory") {
		t.Errorf("analyze of an empty DIR: exit %d, stderr %q", code, errs)
	}
}

func TestShowRefusesStandardInputThatIsNotACaptureAtOnce(t *testing.T) {
	code, _, errs := runIO(t, zeros{}, "show", "-")
	if code != ExitInput || !strings.Contains(errs, "not a pcap or pcapng capture") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestShowReadsAFIFOOnce: a FIFO can be read once; show draws from it what
// it draws from the file.
func TestShowReadsAFIFOOnce(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "capture.pcapng")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	data, err := os.ReadFile("../../testdata/sample.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Write(data)
			w.Close()
		}
	}()
	code, got, errs := runIO(t, strings.NewReader(""), "show", "--conn", "13", fifo)
	_, want, _ := runIO(t, strings.NewReader(""), "show", "--conn", "13", "../../testdata/sample.pcapng")
	if code != ExitOK || got != want {
		t.Fatalf("exit %d (%s); drawing from the FIFO:\n%s\nfrom the file:\n%s", code, errs, got, want)
	}
}

func TestUnwritableJUnitKeepsAFailingChecksCode(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(dir, "missing", "check.xml")
	pass, fail := filepath.Join(dir, "pass.yaml"), filepath.Join(dir, "fail.yaml")
	os.WriteFile(pass, []byte("hosts:\n  198.51.100.14: TCPREFUSE\n"), 0o644)
	os.WriteFile(fail, []byte("hosts:\n  198.51.100.14: ACCEPT\n"), 0o644)
	if code, _, errs := runIO(t, strings.NewReader(""), "check", "--expect", fail, "--junit", junit, "../../testdata/sample.pcapng"); code != ExitCheckFailed || !strings.Contains(errs, "--junit") {
		t.Errorf("failing check, JUnit unwritable: exit %d (want %d), stderr %q", code, ExitCheckFailed, errs)
	}
	if code, _, errs := runIO(t, strings.NewReader(""), "check", "--expect", pass, "--junit", junit, "../../testdata/sample.pcapng"); code != ExitOutput || !strings.Contains(errs, "--junit") {
		t.Errorf("passing check, JUnit unwritable: exit %d (want %d), stderr %q", code, ExitOutput, errs)
	}
}

// failingWriter fails every write, as a full disk does.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestOutputErrorsHaveTheirOwnCode(t *testing.T) {
	var errb bytes.Buffer
	code := Main(context.Background(), []string{"analyze", "../../testdata/sample.pcapng"},
		IO{In: strings.NewReader(""), Out: failingWriter{syscall.ENOSPC}, Err: &errb})
	if code != ExitOutput || !strings.Contains(errb.String(), "writing output") {
		t.Errorf("disk full: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	code = Main(context.Background(), []string{"analyze", "../../testdata/sample.pcapng"},
		IO{In: strings.NewReader(""), Out: failingWriter{syscall.EPIPE}, Err: &errb})
	if code != ExitOK || errb.Len() != 0 {
		t.Errorf("closed pipe: exit %d, stderr %q; want a quiet end", code, errb.String())
	}
}
