package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/internal/golden"
	"github.com/esaflow/esaflow/internal/pcaptest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// updateShow makes the show golden tests rewrite their files:
// go test ./cmd/esaflow -run TestShow -update
var updateShow = flag.Bool("update", false, "rewrite the golden files under testdata/show")

// showEnv is the terminal and environment a show test runs in.
type showEnv struct {
	terminal bool
	env      map[string]string
}

// runShowIn runs esaflow with args in env and returns its exit code and
// output.
func runShowIn(env showEnv, stdin []byte, args ...string) (code exitCode, stdout, stderr string) {
	var out, errb bytes.Buffer
	stdio := IO{
		In: bytes.NewReader(stdin), Out: &out, Err: &errb,
		Terminal: func() bool { return env.terminal },
		Getenv:   func(k string) string { return env.env[k] },
	}
	code = Main(context.Background(), args, stdio)
	return code, out.String(), errb.String()
}

// checkShowGolden compares got with testdata/show/name, or rewrites the
// file with -update.
func checkShowGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", "show", name), []byte(got), *updateShow, "go test ./cmd/esaflow -run TestShow -update")
}

// checkPlainLadder fails unless out is ASCII without control characters
// other than newlines, in lines of at most 100 columns.
func checkPlainLadder(t *testing.T, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if len(line) > 100 {
			t.Errorf("line %d is %d columns wide: %q", i+1, len(line), line)
		}
		for _, c := range []byte(line) {
			if c < 0x20 || c >= 0x7f {
				t.Errorf("line %d holds byte %#x: %q", i+1, c, line)
				break
			}
		}
	}
}

func TestShowDrawsRecordedCapturesLikeTheCiscoArticles(t *testing.T) {
	cases := []struct {
		golden string
		args   []string
		want   []string // the arrows, in order, as the articles name them
	}{
		{"postfix_reject_554.txt", []string{"../../testdata/captures/postfix_reject_554.pcap"},
			[]string{"---- SYN", "<--- SYN/ACK", "---- ACK", "<--- 554 5.7.1", "<--- FIN/ACK", "---- FIN/ACK", "<--- ACK"}},
		{"haproxy_tcprefuse.txt", []string{"../../testdata/captures/haproxy_tcprefuse.pcap"},
			[]string{"---- SYN", "<--- SYN/ACK", "---- ACK", "<--- RST/ACK"}},
		{"postfix_starttls.txt", []string{"../../testdata/captures/postfix_starttls.pcap"},
			[]string{"<--- 220 mx.example.net", "---- EHLO", "<--- 250-mx.example.net (+10 lines)", "---- STARTTLS",
				"<--- 220 2.0.0 Ready to start TLS", "---- TLS ClientHello", "<--- TLS ServerHello"}},
		{"sample_snaplen96_conn2.txt", []string{"--conn", "2", "../../testdata/captures/sample_snaplen96.pcapng"},
			[]string{"<--- 354 End data", "---- message body (1448 bytes) (30 of 1448 bytes captured)",
				"<--- 250 2.0.0 Ok: queued", "---- QUIT -", "<--- 221 2.0.0 Bye"}},
		{"tls_version_mismatch.txt", []string{"../../testdata/captures/tls_version_mismatch.pcap"},
			[]string{"---- STARTTLS", "<--- 220 2.0.0", "---- TLS ClientHello", "<--- TLS alert protocol_version", "alert protocol_version from the server"}},
		{"fw_long_command.txt", []string{"../../testdata/captures/fw_long_command.pcap"},
			[]string{"---- NOOP", "<--- RST (TTL 64, the side's first packet 63)", "<--- 165 bytes again (retransmission)", "---- RST", "inspection_limit:command_line_512", "rst_forged_suspected"}},
		{"sample_host_198.51.100.23.txt", []string{"--host", "198.51.100.23", "../../testdata/sample.pcapng"},
			[]string{"connection 8: ACCEPT QUIT", "---- QUIT", "connection 9: REJECT", "<--- 554 5.7.1"}},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			code, out, errs := runShowIn(showEnv{}, nil, append([]string{"show"}, tc.args...)...)
			if code != 0 || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			checkPlainLadder(t, out)
			containsInOrder(t, out, tc.want...)
			checkShowGolden(t, tc.golden, out)
		})
	}
}

func TestShowNumbersConnectionsAsAnalyzeFlowsDoes(t *testing.T) {
	_, out, _ := run("analyze", "--format", "json", "../../testdata/sample.pcapng")
	var doc analyzeJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Connections {
		code, ladder, errs := runShowIn(showEnv{}, nil, "show", "--conn", fmt.Sprint(c.ID), "../../testdata/sample.pcapng")
		if code != 0 {
			t.Fatalf("--conn %d: exit %d, %s", c.ID, code, errs)
		}
		head := fmt.Sprintf("connection %d: %s", c.ID, c.Verdict)
		if !strings.HasPrefix(ladder, head) || !strings.Contains(ladder, c.Client+":") {
			t.Errorf("--conn %d: want a ladder of %s from %s, got\n%s", c.ID, head, c.Client, ladder)
		}
		if n := strings.Count(ladder, "connection "); n != 1 {
			t.Errorf("--conn %d drew %d connections", c.ID, n)
		}
	}
}

func TestShowSelectsTheUnionOfConnAndHost(t *testing.T) {
	code, out, _ := runShowIn(showEnv{}, nil, "show", "--conn", "13", "--host", "198.51.100.11", "--conn", "1", "../../testdata/sample.pcapng")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	got := regexp.MustCompile(`(?m)^connection (\d+):`).FindAllStringSubmatch(out, -1)
	var ids []string
	for _, m := range got {
		ids = append(ids, m[1])
	}
	if strings.Join(ids, ",") != "1,3,13" {
		t.Errorf("drew connections %v, want 1,3,13 in ID order", ids)
	}
}

func TestShowSelectorMatchingNothingIsAUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"--conn", "99"},
		{"--host", "203.0.113.99"},
		{"--conn", "1", "--host", "203.0.113.99"},
	} {
		code, out, errs := runShowIn(showEnv{}, nil, append(append([]string{"show"}, args...), "../../testdata/sample.pcapng")...)
		if code != ExitUsage || out != "" {
			t.Errorf("%v: exit %d, stdout %q; want exit 2 and nothing drawn", args, code, out)
		}
		if !strings.Contains(errs, "no connection") || !strings.Contains(errs, "13 connections") {
			t.Errorf("%v: stderr %q does not say what matched nothing", args, errs)
		}
	}
}

func TestShowRejectsMalformedSelectors(t *testing.T) {
	for _, args := range [][]string{{"--conn", "three"}, {"--conn", "0"}, {"--host", "mx.example"}, {}} {
		code, _, errs := runShowIn(showEnv{}, nil, append(append([]string{"show"}, args...), "../../testdata/sample.pcapng")...)
		if len(args) == 0 {
			// No file at all: "show" alone.
			code, _, errs = runShowIn(showEnv{}, nil, "show")
		}
		if code != ExitUsage || errs == "" {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errs)
		}
	}
}

// handshake starts a connection on b from client port 41000 to
// 192.0.2.25 on port with the three-way handshake at t0, t0+1ms and
// t0+2ms; ms(n) is the time n milliseconds after t0.
func handshake(b *pcaptest.Builder, client string, port uint16) (c *pcaptest.Conv, ms func(int) time.Time) {
	ms = func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	c = b.Conv(pcaptest.Endpoint{Addr: netip.MustParseAddr(client), Port: 41000},
		pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: port}, 100, 900)
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.ACK(ms(2))
	return c, ms
}

// containsAll fails the test for each of wants that out lacks.
func containsAll(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from\n%s", want, out)
		}
	}
}

// containsInOrder fails the test unless out holds wants in this order.
func containsInOrder(t *testing.T, out string, wants ...string) {
	t.Helper()
	rest := out
	for _, want := range wants {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("%q missing (or out of order) in\n%s", want, out)
		}
		rest = rest[i+len(want):]
	}
}

// hostileCapture builds one REJECT connection whose banner and client
// command carry terminal escape sequences, control characters and UTF-8.
func hostileCapture() *pcaptest.Builder {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c, ms := handshake(b, "203.0.113.66", 25)
	c.Server(ms(3), "554 \x1b[2J\x1b]0;owned\x07 caf\xc3\xa9 \x7f\x00 go\taway\r\n")
	c.Client(ms(4), "QUIT \x1b[31mred\r\n")
	c.Server(ms(5), "221 bye\r\n")
	c.ServerFIN(ms(6))
	c.ClientFIN(ms(7))
	c.ServerACK(ms(8))
	return b
}

func TestShowEscapesHostileBannerText(t *testing.T) {
	path := writeTemp(t, "hostile.pcap", hostileCapture().Bytes(pcaptest.Pcap))
	code, out, _ := runShowIn(showEnv{}, nil, "show", path)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	checkPlainLadder(t, out)
	containsAll(t, out, `554 \x1b[2J\x1b]0;owned\x07 caf\xc3\xa9 \x7f\x00 go\taway`, `QUIT \x1b[31mred`)
}

func TestShowColoursOnlyOnATerminalWithoutNoColor(t *testing.T) {
	path := writeTemp(t, "mixed.pcap", mixedCapture().Bytes(pcaptest.Pcap))
	cases := []struct {
		name   string
		env    showEnv
		args   []string
		colour bool
	}{
		{"terminal", showEnv{terminal: true}, nil, true},
		{"terminal, NO_COLOR empty", showEnv{terminal: true, env: map[string]string{"NO_COLOR": ""}}, nil, true},
		{"terminal, NO_COLOR set", showEnv{terminal: true, env: map[string]string{"NO_COLOR": "1"}}, nil, false},
		{"terminal, --no-color", showEnv{terminal: true}, []string{"--no-color"}, false},
		{"pipe", showEnv{}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runShowIn(tc.env, nil, append(append([]string{"show"}, tc.args...), path)...)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			if got := strings.Contains(out, "\x1b["); got != tc.colour {
				t.Errorf("colours %v, want %v", got, tc.colour)
			}
			if tc.colour && !strings.Contains(out, "\x1b[31m<--- RST/ACK") {
				t.Errorf("the server's RST is not red:\n%s", out)
			}
			if !tc.colour {
				checkPlainLadder(t, out)
			}
			// Colours only wrap the arrows: without them the text is the same.
			plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(out, "")
			_, want, _ := runShowIn(showEnv{}, nil, "show", path)
			if plain != want {
				t.Errorf("the coloured ladder says something else than the plain one")
			}
		})
	}
}

func TestShowDrawsTwentyConnectionsWhenNoneIsSelected(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	srv := pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	for i := range 23 {
		c := b.Conv(pcaptest.Endpoint{Addr: netip.MustParseAddr("198.51.100.10"), Port: uint16(40000 + i)}, srv, 100, 900)
		at := t0.Add(time.Duration(i) * time.Second)
		c.SYN(at)
		c.ServerRSTToSYN(at.Add(time.Millisecond))
	}
	path := writeTemp(t, "many.pcap", b.Bytes(pcaptest.Pcap))
	code, out, errs := runShowIn(showEnv{}, nil, "show", path)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := strings.Count(out, ": PORT_CLOSED"); n != 20 || !strings.Contains(out, "connection 20:") {
		t.Errorf("drew %d connections, want the first 20", n)
	}
	for _, want := range []string{"3 left out", "--conn", "--host"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q does not say %q", errs, want)
		}
	}
	code, out, _ = runShowIn(showEnv{}, nil, "show", "--host", "198.51.100.10", path)
	if code != 0 || strings.Count(out, ": PORT_CLOSED") != 23 {
		t.Errorf("--host drew %d connections (exit %d), want all 23", strings.Count(out, ": PORT_CLOSED"), code)
	}
}

func TestShowNamesSMTPContentAndHidesCredentials(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c, ms := handshake(b, "198.51.100.10", 587)
	c.Server(ms(3), "220 mx.example ESMTP\r\n")
	c.Client(ms(4), "EHLO client.example\r\n")
	c.Server(ms(5), "250-mx.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
	c.Client(ms(6), "AUTH LOGIN\r\n")
	c.Server(ms(7), "334 VXNlcm5hbWU6\r\n")
	c.Client(ms(8), "c2VjcmV0dXNlcg==\r\n")
	c.Server(ms(9), "334 UGFzc3dvcmQ6\r\n")
	c.Client(ms(10), "c2VjcmV0cGFzcw==\r\n")
	c.Server(ms(11), "235 2.7.0 ok\r\n")
	c.Client(ms(12), "AUTH PLAIN AGFsaWNlAHMzY3IzdA==\r\n")
	c.Server(ms(13), "503 5.5.1 already authenticated\r\n")
	c.Client(ms(14), "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
	c.Server(ms(15), "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n")
	c.Client(ms(16), "Subject: hi\r\n\r\nhello\r\n")
	c.ClientAt(ms(17), uint32(c.ClientSeq()-101-22), "Subject: hi\r\n\r\nhello\r\n")
	c.Client(ms(18), ".\r\n")
	c.Server(ms(19), "250 2.0.0 queued\r\n")
	c.Client(ms(20), "QUIT\r\n")
	c.Server(ms(21), "221 bye\r\n")
	c.ServerFIN(ms(22))
	c.ClientFIN(ms(23))
	path := writeTemp(t, "auth.pcap", b.Bytes(pcaptest.Pcap))
	code, out, _ := runShowIn(showEnv{}, nil, "show", path)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	checkPlainLadder(t, out)
	for _, secret := range []string{"c2VjcmV0dXNlcg", "c2VjcmV0cGFzcw", "AGFsaWNl"} {
		if strings.Contains(out, secret) {
			t.Errorf("credential %q drawn:\n%s", secret, out)
		}
	}
	containsInOrder(t, out,
		"---- EHLO client.example -", "<--- 250-mx.example (+2 lines) -", "---- AUTH LOGIN -", "<--- 334 VXNlcm5hbWU6",
		"---- *** -", "---- *** -", "<--- 235 2.7.0 ok", "---- AUTH PLAIN *** -",
		"---- MAIL FROM:<a@example.org>; RCPT TO:<b@example.net>; DATA -",
		"<--- 250 2.1.0 Ok; 250 2.1.5 Ok; 354 go ahead -", "---- message body (22 bytes) -",
		"---- 22 bytes again (retransmission) -", "---- end of message (.) -", "<--- 250 2.0.0 queued", "---- QUIT -",
	)
}

func TestShowReadsStandardInput(t *testing.T) {
	data := mixedCapture().Bytes(pcaptest.Pcap)
	code, out, errs := runShowIn(showEnv{}, data, "show", "--conn", "3", "-")
	if code != 0 || !strings.Contains(out, "connection 3: TCPREFUSE") || !strings.Contains(out, "<--- RST/ACK") {
		t.Errorf("exit %d, stderr %q, stdout\n%s", code, errs, out)
	}
}

func TestShowNamesBDATChunksAndImplicitTLSRecords(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c, ms := handshake(b, "198.51.100.10", 25)
	c.Server(ms(3), "220 mx.example ESMTP\r\n")
	c.Client(ms(4), "BDAT 10 LAST\r\n0123456789QUIT\r\n")
	c.Server(ms(5), "250 2.0.0 queued\r\n221 bye\r\n")
	c.ServerFIN(ms(6))
	c.ClientFIN(ms(7))

	tls, ms := handshake(b, "198.51.100.11", 465)
	tls.Client(ms(13), "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00")
	tls.Server(ms(14), "\x16\x03\x03\x00\x04\x02\x00\x00\x00\x15\x03\x03\x00\x02\x02\x46")
	tls.ClientRST(ms(15))
	path := writeTemp(t, "bdat_tls.pcap", b.Bytes(pcaptest.Pcap))
	code, out, errs := runShowIn(showEnv{}, nil, "show", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	containsAll(t, out,
		"---- BDAT 10 LAST; BDAT chunk (10 bytes); QUIT -", "<--- 250 2.0.0 queued; 221 bye -",
		"---- TLS ClientHello -", "<--- TLS ServerHello, alert protocol_version -", "---- RST/ACK -",
	)
}

func TestDocsShowTheGoldenLadders(t *testing.T) {
	readme, err := os.ReadFile("../../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"postfix_reject_554", "haproxy_tcprefuse"} {
		golden, err := os.ReadFile(filepath.Join("testdata", "show", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		want := "$ esaflow show testdata/captures/" + name + ".pcap\n" + string(golden) + "```"
		if !strings.Contains(string(readme), want) {
			t.Errorf("docs/commands.md does not show the golden ladder of %s; paste testdata/show/%s.txt", name, name)
		}
	}
}

func TestShowTruncatedCaptureDrawsWhatWasReadAndExitsOne(t *testing.T) {
	data := mixedCapture().Bytes(pcaptest.Pcap)
	path := writeTemp(t, "cut.pcap", data[:len(data)-30])
	code, out, errs := runShowIn(showEnv{}, nil, "show", "--conn", "2", path)
	if code != ExitInput || strings.Count(errs, "cut.pcap") != 1 {
		t.Errorf("exit %d, stderr %q; want exit 1 and one warning", code, errs)
	}
	containsAll(t, out, "connection 2: REJECT", `<--- 554 5.7.1 no \x1b[31mred -`)
}

// TestShowDrawsOverlappingFilesInTimeOrder: files whose times overlap are
// one timeline, merged packet by packet; the ladder shows the packets in
// the order the tracker saw them (before show read through the engine, it
// drew one file's packets after the other's).
func TestShowDrawsOverlappingFilesInTimeOrder(t *testing.T) {
	code, out, errs := run("show", "--no-color", "--host", "198.51.100.14",
		"../../testdata/captures/haproxy_tcprefuse.pcap", "../../testdata/sample.pcapng")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	arrows := regexp.MustCompile(`(?m)^  \+(\d+\.\d+)s  \|`).FindAllStringSubmatch(out, -1)
	if len(arrows) != 8 {
		t.Fatalf("%d arrows, want the 4 packets of each copy:\n%s", len(arrows), out)
	}
	for i := 1; i < len(arrows); i++ {
		if arrows[i][1] < arrows[i-1][1] {
			t.Errorf("arrow %d at +%ss after one at +%ss:\n%s", i, arrows[i][1], arrows[i-1][1], out)
		}
	}
}

// TestShowWritesLaddersForPrograms: -o json and -o jsonl give the ladders
// the drawing shows, for every recorded capture: the document and each
// line follow docs/esaflow.schema.json, each ladder has as many packets as
// the drawing has arrows, with the same labels, and its record is
// analyze's for that connection. --no-color with them is refused.
func TestShowWritesLaddersForPrograms(t *testing.T) {
	abs, _ := filepath.Abs(schemaPath)
	c := jsonschema.NewCompiler()
	docSchema, err := c.Compile(abs + "#/$defs/ladders")
	if err != nil {
		t.Fatal(err)
	}
	lineSchema, err := c.Compile(abs + "#/$defs/ladder")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../testdata/captures/*.pcap")
	for _, f := range files {
		name := filepath.Base(f)
		code, doc, errs := run("show", "-q", "-o", "JSON", f)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		validate(t, docSchema, name+" show -o json", []byte(doc))
		_, lines, _ := run("show", "-q", "-o", "jsonl", f)
		_, drawing, _ := run("show", "-q", f)
		_, records, _ := run("analyze", "-q", "-o", "jsonl", f)
		var parsed struct {
			Ladders []json.RawMessage `json:"ladders"`
		}
		if err := json.Unmarshal([]byte(doc), &parsed); err != nil {
			t.Fatal(err)
		}
		lineList := strings.Split(strings.TrimSuffix(lines, "\n"), "\n")
		recList := strings.Split(strings.TrimSuffix(records, "\n"), "\n")
		if len(parsed.Ladders) != len(lineList) || len(parsed.Ladders) != min(len(recList), showDefaultLimit) {
			t.Fatalf("%s: %d ladders in json, %d lines in jsonl, %d records", name, len(parsed.Ladders), len(lineList), len(recList))
		}
		arrows := 0 // one a packet, and the packets a long ladder does not draw
		for _, l := range strings.Split(drawing, "\n") {
			if strings.Contains(l, "s  |---- ") || strings.Contains(l, "s  |<--- ") {
				arrows++
			}
			var skipped int
			if _, err := fmt.Sscanf(strings.TrimSpace(strings.Trim(strings.TrimSpace(l), "|")), "... %d packets not drawn ...", &skipped); err == nil {
				arrows += skipped
			}
		}
		byID := map[string]string{}
		for _, r := range recList {
			id, _, _ := strings.Cut(strings.TrimPrefix(r, `{"id":`), ",")
			byID[id] = r
		}
		packets := 0
		for i, line := range lineList {
			validate(t, lineSchema, name+" show -o jsonl", []byte(line))
			var l struct {
				Connection json.RawMessage
				Packets    []struct{ Content string }
			}
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatal(err)
			}
			if string(parsed.Ladders[i]) != line {
				t.Errorf("%s: ladder %d differs between json and jsonl", name, i+1)
			}
			id, _, _ := strings.Cut(strings.TrimPrefix(string(l.Connection), `{"id":`), ",")
			if string(l.Connection) != byID[id] {
				t.Errorf("%s: ladder %d's record is not analyze's:\n%s\n%s", name, i+1, l.Connection, byID[id])
			}
			packets += len(l.Packets)
			for _, p := range l.Packets {
				if p.Content != "" && !strings.Contains(drawing, strings.TrimSpace(p.Content[:min(len(p.Content), 20)])) {
					t.Errorf("%s: packet content %q is not in the drawing", name, p.Content)
				}
			}
		}
		if packets != arrows {
			t.Errorf("%s: %d packets in the JSON, %d arrows in the drawing", name, packets, arrows)
		}
	}
	if code, _, errs := run("show", "-o", "json", "--no-color", "../../testdata/sample.pcapng"); code != ExitUsage || !strings.Contains(errs, "--no-color") {
		t.Errorf("--no-color with json: exit %d, %q", code, errs)
	}
}

// TestShowDrawsInsideDecryptedTLS: with the session's key log, the
// ladder names the commands and replies inside TLS (here the relay refusal
// that the outcome rests on) instead of "application data", and says the
// session was decrypted; without it, the same packets are application data.
func TestShowDrawsInsideDecryptedTLS(t *testing.T) {
	base := "../../testdata/captures/tls_kl_13_rcptrej_postfix_python"
	code, out, errs := run("show", "-q", "--keylog", base+".keys", base+".pcap")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"decrypted: rcpt TO:<someone@elsewhere.example>", "decrypted: 554 5.7.1 <someone@elsewhere.example>: Relay access denied",
		"decrypted: quit", "outcome RECIPIENT_REJECTED", "decrypted with the key log"} {
		if !strings.Contains(out, want) {
			t.Errorf("the ladder lacks %q:\n%s", want, out)
		}
	}
	_, plain, _ := run("show", "-q", base+".pcap")
	if strings.Contains(plain, "decrypted") || !strings.Contains(plain, "application data") {
		t.Errorf("without keys:\n%s", plain)
	}
	_, embedded, _ := run("show", "-q", "../../testdata/captures/tls_kl_13_gcm_exim_swaks_dsb.pcapng")
	if !strings.Contains(embedded, "decrypted: 250 OK id=") {
		t.Errorf("with the secrets the pcapng embeds:\n%s", embedded)
	}
}
