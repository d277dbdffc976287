package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = "../../testdata/sample.pcapng"

func writeExpect(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "expect.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckPassingExpectations(t *testing.T) {
	exp := writeExpect(t, `
hosts:
  198.51.100.14: TCPREFUSE          # HAProxy tcp-request connection reject
  198.51.100.11: REJECT
  198.51.100.23: MIXED
  198.51.100.12: [ACCEPT, TEMPFAIL]
  198.51.100.10: {verdict: ACCEPT, outcome: DELIVERED, exactly: 1}
  198.51.100.0/24: [ACCEPT, REJECT, TEMPFAIL, TCPREFUSE, PORT_CLOSED, NO_ANSWER, MIXED]
connections:
  - client: 198.51.100.19
    server: 192.0.2.25
    server_port: 25
    verdict: ACCEPT
    outcome: TLS
  - verdict: REJECT
    at_least: 3
  - client: 198.51.100.23
    verdict: [ACCEPT, REJECT]
    all: true
forbid: [NOT_SMTP, SILENT_CLOSE]
`)
	code, out, errs := run("check", "--expect", exp, sample)
	if code != ExitOK || !strings.Contains(out, "10 passed, 0 failed") || strings.Contains("\n"+out, "\nFAIL ") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

func TestCheckFailingExpectationsExitThreeWithJUnit(t *testing.T) {
	exp := writeExpect(t, `
hosts:
  198.51.100.11: ACCEPT
  203.0.113.0/24: REJECT
connections:
  - client: 198.51.100.10
    verdict: ACCEPT
    outcome: TLS
forbid: NO_ANSWER
`)
	junit := filepath.Join(t.TempDir(), "check.xml")
	code, out, _ := run("check", "--expect", exp, "--junit", junit, sample)
	if code != ExitCheckFailed {
		t.Fatalf("exit %d, want %d\n%s", code, ExitCheckFailed, out)
	}
	for _, want := range []string{
		"FAIL  line 3: host 198.51.100.11 is ACCEPT",
		"found 198.51.100.11: verdict REJECT",
		"198.51.100.11:57754 → 192.0.2.25:25 REJECT",
		"no host in 203.0.113.0/24",
		"198.51.100.16:38414 → 192.0.2.25:25 NO_ANSWER",
		"0 passed, 4 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Fails int    `xml:"failures,attr"`
			Cases []struct {
				Class   string `xml:"classname,attr"`
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit is not XML: %v", err)
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Tests != 4 || doc.Suites[0].Fails != 4 || len(doc.Suites[0].Cases) != 4 {
		t.Fatalf("JUnit suite %+v", doc.Suites)
	}
	for _, c := range doc.Suites[0].Cases {
		if c.Name == "" || c.Class == "" || c.Failure == nil || c.Failure.Message == "" {
			t.Errorf("test case %+v lacks name, classname or failure message", c)
		}
	}
}

func TestCheckMalformedExpectationsExitTwoWithLine(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"hosts:\n  198.51.100.11: [REJECT\n", "expect.yaml:"},
		{"hosts:\n  198.51.100.11: REJECT\nhostz:\n  1.2.3.4: ACCEPT\n", `expect.yaml:3: unknown key "hostz"`},
		{"hosts:\n  198.51.100.11: REFUSED\n", `expect.yaml:2: unknown verdict "REFUSED"`},
		{"hosts:\n  300.1.1.1: REJECT\n", `expect.yaml:2: bad address "300.1.1.1"`},
		{"connections:\n  - client: 198.51.100.10\n    outcome: SENT\n", `expect.yaml:3: unknown outcome "SENT"`},
		{"connections:\n  - client: 198.51.100.10\n    at_least: many\n    verdict: ACCEPT\n", `expect.yaml:3: expected a whole number`},
		{"", "the file is empty"},
	} {
		exp := writeExpect(t, tc.yaml)
		code, _, errs := run("check", "--expect", exp, sample)
		if code != ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", tc.yaml, code, errs, tc.want)
		}
	}
}

func TestCheckUnreadableCaptureExitsOne(t *testing.T) {
	exp := writeExpect(t, "forbid: [NO_ANSWER]\n")
	bad := writeTemp(t, "notes.txt", []byte("not a capture"))
	if code, _, errs := run("check", "--expect", exp, bad); code != ExitInput || !strings.Contains(errs, "notes.txt") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestCheckInitRoundTrip(t *testing.T) {
	code, out, errs := run("check", "--init", sample, "../../testdata/captures/ipv6_mixed.pcap")
	if code != ExitOK || !strings.Contains(out, "198.51.100.23: MIXED") || !strings.Contains(out, `"2001:db8::11": REJECT`) {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	exp := writeExpect(t, out)
	code, res, _ := run("check", "--expect", exp, sample, "../../testdata/captures/ipv6_mixed.pcap")
	if code != ExitOK || !strings.Contains(res, " 0 failed") {
		t.Fatalf("--init output does not pass on its own capture: exit %d\n%s", code, res)
	}
}

func TestCheckUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"check", sample},
		{"check", "--init", "--expect", "x.yaml", sample},
		{"check", "--expect", "/nonexistent.yaml", sample},
		{"check", "--init"},
	} {
		if code, _, _ := run(args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// TestCheckInitRecordsItsOptions: expectations written with --init record the
// options the captures were read with, so that checking them against the
// same captures passes without repeating the options; giving one with
// another value is refused, naming both.
func TestCheckInitRecordsItsOptions(t *testing.T) {
	captures := []string{"../../testdata/sample.pcapng", "../../testdata/captures/wild_odd_ports.pcap"}
	for _, init := range [][]string{
		{"--group-by", "server"},
		{"--ports", "25,2526,8025", "--idle-timeout", "30s"},
		{"--max-conns", "100", "--group-by", "server"},
	} {
		code, expectations, errs := run(append(append([]string{"check", "--init"}, init...), captures...)...)
		if code != ExitOK {
			t.Fatalf("--init %v: exit %d: %s", init, code, errs)
		}
		file := writeTemp(t, "policy.yaml", []byte(expectations))
		code, out, errs := run(append([]string{"check", "--expect", file}, captures...)...)
		if code != ExitOK || !strings.Contains(out, " 0 failed") {
			t.Errorf("--init %v, then check without the options: exit %d\n%s%s\n%s", init, code, out, errs, expectations)
		}
		if init[0] == "--group-by" {
			code, _, errs = run(append([]string{"check", "--expect", file, "--group-by", "client"}, captures...)...)
			if code != ExitUsage || !strings.Contains(errs, "--group-by client, but") || !strings.Contains(errs, "group-by: server") {
				t.Errorf("--group-by against the file's: exit %d, stderr %q", code, errs)
			}
		}
	}
}

// TestDamagedCaptureStillYieldsAJUnitFile: a capture that is not one, or
// one cut short, makes check exit 1 and still write the JUnit file, each
// problem an error in it, so that CI shows why no expectation was checked.
func TestDamagedCaptureStillYieldsAJUnitFile(t *testing.T) {
	expectations := writeTemp(t, "policy.yaml", []byte("forbid: [NO_ANSWER]\n"))
	data, err := os.ReadFile("../../testdata/sample.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	for name, input := range map[string][]byte{
		"notes.txt":  []byte("not a capture at all\n"),
		"cut.pcapng": data[:len(data)*2/3],
	} {
		file := writeTemp(t, name, input)
		junit := filepath.Join(t.TempDir(), "check.xml")
		code, _, errs := run("check", "--expect", expectations, "--junit", junit, file)
		out, err := os.ReadFile(junit)
		if code != ExitInput || err != nil {
			t.Errorf("%s: exit %d, JUnit file: %v; stderr %q", name, code, err, errs)
			continue
		}
		if !strings.Contains(string(out), `errors="1"`) || !strings.Contains(string(out), "<error message=") || !strings.Contains(string(out), name) {
			t.Errorf("%s: the JUnit file does not carry the error:\n%s", name, out)
		}
	}
}
