package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/internal/pcaptest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// mixedCapture builds a small capture with an ACCEPT, a REJECT and a
// TCPREFUSE connection.
func mixedCapture() *pcaptest.Builder { return pcaptest.Mixed(t0) }

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	return pcaptest.WriteTemp(t, name, data)
}

func run(args ...string) (code exitCode, stdout, stderr string) {
	return runIn("", args...)
}

func runIn(stdin string, args ...string) (code exitCode, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestAnalyzeEveryFormatIsDeterministic(t *testing.T) {
	path := writeTemp(t, "mixed.pcap", mixedCapture().Bytes(pcaptest.Pcap))
	for _, format := range [][]string{{"--format", "table", "--flows"}, {"--format", "json"}, {"--format", "jsonl"}, {"--format", "csv"}} {
		code1, out1, _ := run(append(append([]string{"analyze"}, format...), path)...)
		code2, out2, _ := run(append(append([]string{"analyze"}, format...), path)...)
		if code1 != 0 || code2 != 0 || out1 != out2 || out1 == "" {
			t.Errorf("%v: exit %d/%d, identical=%v", format, code1, code2, out1 == out2)
		}
		if strings.Contains(out1, "\x1b") {
			t.Errorf("%v: a raw escape byte from the wire reached the output", format)
		}
	}
}

func TestAnalyzeMixedCaptureVerdicts(t *testing.T) {
	path := writeTemp(t, "mixed.pcapng.gz", mixedCapture().Bytes(pcaptest.GzipPcapNG))
	doc := analyzeFile(t, path)
	var got []string
	for _, c := range doc.Connections {
		got = append(got, c.Client+"="+c.Verdict)
	}
	want := "198.51.100.10=ACCEPT 203.0.113.7=REJECT 203.0.113.8=TCPREFUSE"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestAnalyzeReadsStandardInput(t *testing.T) {
	code, out, errs := runIn(string(mixedCapture().Bytes(pcaptest.Pcap)), "analyze", "--format", "jsonl", "-")
	if code != 0 || strings.Count(out, "\n") != 3 {
		t.Fatalf("exit %d, %d lines; stderr %s", code, strings.Count(out, "\n"), errs)
	}
}

func TestNotACaptureExitsOne(t *testing.T) {
	path := writeTemp(t, "notes.txt", []byte("hello, this is not a capture\n"))
	code, out, errs := run("analyze", path)
	if code != ExitInput {
		t.Errorf("exit %d, want %d", code, ExitInput)
	}
	if !strings.Contains(errs, path) || !strings.Contains(errs, "not a pcap or pcapng capture") || strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr %q: want one line naming the file and the reason", errs)
	}
	if out != "" {
		t.Errorf("stdout %q, want nothing", out)
	}
}

func TestMissingFileExitsOne(t *testing.T) {
	code, _, errs := run("analyze", "/nonexistent/capture.pcap")
	if code != ExitInput || !strings.Contains(errs, "/nonexistent/capture.pcap") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestUnsupportedLinkTypeExitsOne(t *testing.T) {
	data := mixedCapture().Bytes(pcaptest.Pcap)
	data[20] = 147 // LINKTYPE_USER0
	path := writeTemp(t, "user0.pcap", data)
	code, _, errs := run("analyze", path)
	if code != ExitInput || !strings.Contains(errs, "unsupported link type 147") || !strings.Contains(errs, path) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestTruncatedCaptureKeepsDecidedVerdicts(t *testing.T) {
	data := mixedCapture().Bytes(pcaptest.Pcap)
	path := writeTemp(t, "cut.pcap", data[:len(data)-30])
	code, out, errs := run("analyze", "--format", "jsonl", path)
	if code != ExitInput {
		t.Errorf("exit %d, want %d", code, ExitInput)
	}
	if !strings.Contains(errs, "cut.pcap") || !strings.Contains(errs, "byte ") || !strings.Contains(errs, "packet ") {
		t.Errorf("warning %q does not name the file, byte offset and packet", errs)
	}
	for _, v := range []string{`"verdict":"ACCEPT"`, `"verdict":"REJECT"`} {
		if !strings.Contains(out, v) {
			t.Errorf("output lost %s:\n%s", v, out)
		}
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	path := writeTemp(t, "mixed.pcap", mixedCapture().Bytes(pcaptest.Pcap))
	for _, args := range [][]string{
		{"analyze"},
		{"analyze", "--format", "xml", path},
		{"analyze", "--group-by", "sideways", path},
		{"analyze", "--ports", "25,99999", path},
		{"analyze", "--no-such-flag", path},
		{"analyze", "-", "-"},
		{"frobnicate"},
	} {
		if code, _, errs := run(args...); code != ExitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}

func TestGroupByServer(t *testing.T) {
	path := writeTemp(t, "mixed.pcap", mixedCapture().Bytes(pcaptest.Pcap))
	doc := analyzeFile(t, path, "--group-by", "server")
	if len(doc.Hosts) != 1 || doc.Hosts[0].Host != "192.0.2.25" || doc.Hosts[0].Verdict != "MIXED" {
		t.Errorf("hosts %+v", doc.Hosts)
	}
}

func TestPortsFlagSelectsTraffic(t *testing.T) {
	path := writeTemp(t, "mixed.pcap", mixedCapture().Bytes(pcaptest.Pcap))
	doc := analyzeFile(t, path, "--ports", "2525")
	if len(doc.Connections) != 0 {
		t.Errorf("port 25 traffic analysed with --ports 2525: %d connections", len(doc.Connections))
	}
}

// TestFlagsTheFormatWouldIgnoreAreRefused: a flag that would do nothing
// with the chosen format is a usage error naming both flags, and flag
// values are taken in any case.
func TestFlagsTheFormatWouldIgnoreAreRefused(t *testing.T) {
	sample := "../../testdata/sample.pcapng"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", "jsonl", "--flows"}, "--flows adds the per-connection table to --format table"},
		{[]string{"-o", "json", "--flows"}, "--format json lists every connection"},
		{[]string{"-o", "csv", "--group-by", "server"}, "--group-by shapes the per-host table"},
		{[]string{"-o", "jsonl", "--max-hosts", "10"}, "--max-hosts bounds the per-host table"},
		{[]string{"-o", "xml"}, "--format: unknown format"},
		{[]string{"--flow"}, "did you mean --flows?"},
	} {
		code, _, errs := run(append(append([]string{"analyze"}, tc.args...), sample)...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "Run 'esaflow analyze --help'") {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errs)
		}
	}
	_, want, _ := run("analyze", "-o", "json", "--group-by", "server", sample)
	if code, got, _ := run("analyze", "-o", "JSON", "--group-by", "Server", sample); code != ExitOK || got != want {
		t.Errorf("-o JSON --group-by Server: exit %d, output differs from the lower-case one's", code)
	}
}
