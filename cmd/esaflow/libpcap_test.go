package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/capture"
)

// runBinary runs a built esaflow with extra environment variables and
// returns its exit code, standard output and standard error.
func runBinary(t *testing.T, bin string, env []string, args ...string) (exitCode, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return exitCode(cmd.ProcessState.ExitCode()), out.String(), errb.String()
}

// TestBuiltWithoutCgoLoadsLibpcap: a binary built with CGO_ENABLED=0 (as
// go install does on a machine without a C compiler, and as make dist
// does) finds libpcap at run time: its version names libpcap's, it lists
// the interfaces and compiles -f filters for files.
func TestBuiltWithoutCgoLoadsLibpcap(t *testing.T) {
	if _, err := capture.LibpcapVersion(); err != nil {
		t.Skipf("no libpcap on this machine: %v", err)
	}
	bin := buildEsaflow(t, false)
	if code, out, errs := runBinary(t, bin, nil, "version"); code != ExitOK || !strings.Contains(out, "live capture: yes, libpcap version ") {
		t.Errorf("version: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runBinary(t, bin, nil, "interfaces"); code != ExitOK || !strings.Contains(out, "lo") || !strings.Contains(out, "127.0.0.1") {
		t.Errorf("interfaces: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := runBinary(t, bin, nil, "analyze", "-q", "-o", "jsonl", "-f", "host 198.51.100.10", "../../testdata/captures/postfix_accept_delivered.pcap")
	if code != ExitOK || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"client":"198.51.100.10"`) {
		t.Errorf("analyze -f: exit %d\n%s%s", code, out, errs)
	}
}

// TestWithoutLibpcapLiveSaysHowToInstallIt: where libpcap cannot be
// loaded (here: ESAFLOW_LIBPCAP names a file that is not there), live and
// interfaces say how to install it, -f says it needs it and names the
// other filters, version says live capture is unavailable, and reading
// files works as ever.
func TestWithoutLibpcapLiveSaysHowToInstallIt(t *testing.T) {
	bin := buildEsaflow(t, false)
	env := []string{"ESAFLOW_LIBPCAP=/nonexistent/libpcap.so.1"}
	for _, args := range [][]string{{"live", "-i", "lo"}, {"interfaces"}} {
		code, _, errs := runBinary(t, bin, env, args...)
		if code != ExitInput || !strings.Contains(errs, "/nonexistent/libpcap.so.1") || !strings.Contains(errs, "apt-get install libpcap0.8") {
			t.Errorf("%s: exit %d, %q", args[0], code, errs)
		}
	}
	code, _, errs := runBinary(t, bin, env, "analyze", "-f", "port 25", "../../testdata/sample.pcapng")
	if code != ExitUsage || !strings.Contains(errs, "takes libpcap") || !strings.Contains(errs, "--client") {
		t.Errorf("analyze -f: exit %d, %q", code, errs)
	}
	if code, out, _ := runBinary(t, bin, env, "version"); code != ExitOK || !strings.Contains(out, "live capture: no: live capture is unavailable: libpcap was not found") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if code, _, errs := runBinary(t, bin, env, "analyze", "../../testdata/sample.pcapng"); code != ExitOK {
		t.Errorf("analyze: exit %d, %q", code, errs)
	}
}
