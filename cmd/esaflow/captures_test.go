package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// analyzeJSON is the part of the JSON document the tests read.
type analyzeJSON struct {
	Hosts []struct {
		Host    string         `json:"host"`
		Verdict string         `json:"verdict"`
		Counts  map[string]int `json:"counts"`
	} `json:"hosts"`
	Connections []jsonConn `json:"connections"`
	Stats       struct {
		Packets   uint64   `json:"packets"`
		Malformed uint64   `json:"malformed"`
		Warnings  []string `json:"warnings"`
		Files     []struct {
			Name   string `json:"name"`
			Format string `json:"format"`
		} `json:"files"`
		MailLog *struct {
			Joined    int `json:"joined"`
			NotOnWire int `json:"not_on_wire"`
			Unparsed  int `json:"unparsed_lines"`
		} `json:"maillog"`
	} `json:"stats"`
}

// jsonConn is the part of a connection record the tests read.
type jsonConn struct {
	ID          uint64 `json:"id"`
	CommunityID string `json:"community_id"`
	Client      string `json:"client"`
	Server      string `json:"server"`
	ServerPort  uint16 `json:"server_port"`
	ClientPort  uint16 `json:"client_port"`
	Verdict     string `json:"verdict"`
	Outcome     string `json:"outcome"`
	History     string `json:"history"`
	Explanation string `json:"explanation"`
	Reason      string `json:"reason"`
	// Packets and bytes as the record counts them.
	ClientPackets uint64    `json:"client_packets"`
	ServerPackets uint64    `json:"server_packets"`
	MissedBytes   uint64    `json:"missed_bytes"`
	Start         time.Time `json:"start"`
	Flags         []struct {
		Name     string `json:"name"`
		Evidence string `json:"evidence"`
	} `json:"flags"`
	TLS struct {
		Version string `json:"version"`
		Cipher  string `json:"cipher"`
		Alert   string `json:"alert"`
		// Decrypted and Decryption tell whether a key log opened the
		// session, and why not.
		Decrypted  bool   `json:"decrypted"`
		Decryption string `json:"decryption"`
	} `json:"tls"`
	// MailLog is the log sessions joined (--maillog).
	MailLog []struct {
		ID, Verdict string
	} `json:"maillog"`
}

// expectation is one parsed .expect file.
type expectation struct {
	conns []expectConn
	hosts map[string]string
}

type expectConn struct {
	line             int
	client, server   string
	port             string
	verdict, outcome string
	// keys holds the optional key=value fields: flags (comma-separated
	// names, in any order), reason, tls_version, tls_cipher, tls_alert.
	// A key left out means the value must be empty.
	keys map[string]string
}

// expectKeys are the optional fields a conn line may carry.
var expectKeys = []string{"flags", "reason", "tls_version", "tls_cipher", "tls_alert", "decryption"}

func readExpect(t *testing.T, path string) expectation {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := expectation{hosts: map[string]string{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		switch {
		case f[0] == "conn" && len(f) >= 4:
			i := strings.LastIndexByte(f[2], ':')
			if i < 0 {
				t.Fatalf("%s:%d: server %q has no port", path, n, f[2])
			}
			c := expectConn{line: n, client: canon(t, f[1]), server: canon(t, f[2][:i]), port: f[2][i+1:], verdict: f[3], keys: map[string]string{}}
			for _, tok := range f[4:] {
				k, v, ok := strings.Cut(tok, "=")
				switch {
				case ok && slices.Contains(expectKeys, k):
					c.keys[k] = strings.ReplaceAll(v, "+", " ") // "+" stands for a space
				case !ok && c.outcome == "" && len(c.keys) == 0:
					c.outcome = tok
				default:
					t.Fatalf("%s:%d: cannot parse %q", path, n, tok)
				}
			}
			e.conns = append(e.conns, c)
		case f[0] == "host" && len(f) == 3:
			e.hosts[canon(t, f[1])] = f[2]
		default:
			t.Fatalf("%s:%d: cannot parse %q", path, n, line)
		}
	}
	return e
}

func canon(t *testing.T, s string) string {
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		t.Fatalf("bad address %q: %v", s, err)
	}
	return a.String()
}

// TestRecordedCaptures runs every capture recorded by testdata/record
// through analyze and checks each connection's verdict and outcome, and each
// host's verdict, against the capture's .expect file. (A NAME.decrypted.expect
// says what the capture shows when its TLS is decrypted with its key log.)
func TestRecordedCaptures(t *testing.T) {
	expects, _ := filepath.Glob("../../testdata/captures/*.expect")
	if len(expects) == 0 {
		t.Fatal("no recorded captures in testdata/captures")
	}
	for _, exp := range expects {
		if strings.HasSuffix(exp, ".decrypted.expect") {
			continue
		}
		base := strings.TrimSuffix(exp, ".expect")
		var capFile string
		for _, ext := range []string{".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz"} {
			if _, err := os.Stat(base + ext); err == nil {
				capFile = base + ext
			}
		}
		t.Run(filepath.Base(base), func(t *testing.T) {
			if capFile == "" {
				t.Fatalf("%s has no capture beside it", exp)
			}
			checkExpect(t, readExpect(t, exp), analyzeFile(t, capFile))
		})
	}
}

// TestDecryptedCaptures runs every capture recorded with its TLS key log
// (NAME.keys beside it, or secrets embedded in the pcapng) with the key
// log and checks it against NAME.decrypted.expect: the real outcome of
// the dialogue inside TLS, decrypted (tls.decrypted) for every TLS
// session whose expectation names no decryption problem.
func TestDecryptedCaptures(t *testing.T) {
	expects, _ := filepath.Glob("../../testdata/captures/*.decrypted.expect")
	if len(expects) < 10 {
		t.Fatalf("only %d decrypted expectations", len(expects))
	}
	for _, exp := range expects {
		base := strings.TrimSuffix(exp, ".decrypted.expect")
		t.Run(filepath.Base(base), func(t *testing.T) {
			capFile, args := base+".pcap", []string{"--keylog", base + ".keys"}
			if _, err := os.Stat(capFile); err != nil {
				capFile, args = base+".pcapng", nil // the secrets are in the file
			}
			want := readExpect(t, exp)
			got := analyzeFile(t, capFile, args...)
			checkExpect(t, want, got)
			for i, c := range got.Connections {
				if i < len(want.conns) && want.conns[i].keys["decryption"] == "" && c.TLS.Version != "" && !c.TLS.Decrypted {
					t.Errorf("connection %d (%s) was not decrypted", c.ID, c.TLS.Version)
				}
			}
		})
	}
}

// checkExpect checks an analysis against an expect file's assertions.
func checkExpect(t *testing.T, want expectation, got analyzeJSON) {
	t.Helper()
	if len(got.Connections) != len(want.conns) {
		for _, c := range got.Connections {
			t.Logf("got conn %d %s -> %s:%d %s %s %s (%s)", c.ID, c.Client, c.Server, c.ServerPort, c.Verdict, c.Outcome, c.History, c.Explanation)
		}
		t.Fatalf("%d connections, expect file lists %d", len(got.Connections), len(want.conns))
	}
	for i, w := range want.conns {
		c := got.Connections[i]
		if c.Client != w.client || c.Server != w.server || itoa16(c.ServerPort) != w.port {
			t.Errorf("line %d: connection %d is %s -> %s:%d, want %s -> %s:%s", w.line, i+1, c.Client, c.Server, c.ServerPort, w.client, w.server, w.port)
			continue
		}
		if c.Verdict != w.verdict || c.Outcome != w.outcome {
			t.Errorf("line %d: %s -> %s:%d got %s %s, want %s %s (history %s; %s)", w.line, c.Client, c.Server, c.ServerPort, c.Verdict, c.Outcome, w.verdict, w.outcome, c.History, c.Explanation)
		}
		var flags []string
		for _, f := range c.Flags {
			flags = append(flags, f.Name)
		}
		slices.Sort(flags)
		wantFlags := strings.Split(w.keys["flags"], ",")
		slices.Sort(wantFlags)
		got := map[string]string{
			"flags": strings.Join(flags, ","), "reason": c.Reason,
			"tls_version": c.TLS.Version, "tls_cipher": c.TLS.Cipher, "tls_alert": c.TLS.Alert,
			"decryption": c.TLS.Decryption,
		}
		want := maps.Clone(w.keys)
		want["flags"] = strings.Trim(strings.Join(wantFlags, ","), ",")
		for _, k := range expectKeys {
			if got[k] != want[k] {
				t.Errorf("line %d: %s -> %s:%d %s %q, want %q (flags %+v)", w.line, c.Client, c.Server, c.ServerPort, k, got[k], want[k], c.Flags)
			}
		}
	}
	seen := map[string]bool{}
	for _, h := range got.Hosts {
		seen[h.Host] = true
		wv, ok := want.hosts[h.Host]
		if !ok {
			t.Errorf("host %s (%s) is not in the expect file", h.Host, h.Verdict)
			continue
		}
		if h.Verdict != wv {
			t.Errorf("host %s got %s %v, want %s", h.Host, h.Verdict, h.Counts, wv)
		}
	}
	for h := range want.hosts {
		if !seen[h] {
			t.Errorf("host %s expected but not reported", h)
		}
	}
	if got.Stats.Malformed != 0 || len(got.Stats.Warnings) != 0 {
		t.Errorf("recorded capture gave malformed=%d warnings=%v", got.Stats.Malformed, got.Stats.Warnings)
	}
}

func analyzeFile(t *testing.T, path string, extra ...string) analyzeJSON {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"analyze", "--format", "json"}, extra...)
	code := Main(context.Background(), append(args, path), IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var doc analyzeJSON
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	// The document lists connections as they were decided; expect files
	// list them as they started, which is the order of their IDs.
	slices.SortFunc(doc.Connections, func(a, b jsonConn) int { return cmp.Compare(a.ID, b.ID) })
	return doc
}

func itoa16(n uint16) string {
	var b [5]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// TestKeyLogThatDoesNotDecryptSaysSo: a key log naming the session's
// client random with other secrets (here each secret's first byte
// changed) decrypts nothing, and the record says so (tls.decryption
// keys_do_not_match) and keeps the outcome it has without keys; a key log
// file that is not there is a usage error, one without a secret a note.
func TestKeyLogThatDoesNotDecryptSaysSo(t *testing.T) {
	base := "../../testdata/captures/tls_kl_13_gcm_exim_swaks"
	keys, err := os.ReadFile(base + ".keys")
	if err != nil {
		t.Fatal(err)
	}
	var wrong strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(keys)), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			f[2] = "ff" + f[2][2:]
			if strings.HasPrefix(f[2], "ffff") {
				f[2] = "00" + f[2][2:]
			}
		}
		wrong.WriteString(strings.Join(f, " ") + "\n")
	}
	path := filepath.Join(t.TempDir(), "wrong.keys")
	if err := os.WriteFile(path, []byte(wrong.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := analyzeFile(t, base+".pcap", "--keylog", path)
	c := got.Connections[0]
	if c.TLS.Decrypted || c.TLS.Decryption != "keys_do_not_match" || c.Outcome != "TLS" || !strings.Contains(c.Explanation, "do not decrypt it") {
		t.Errorf("decrypted %v, decryption %q, outcome %s (%s)", c.TLS.Decrypted, c.TLS.Decryption, c.Outcome, c.Explanation)
	}
	if code, _, errs := run("analyze", "--keylog", "/nonexistent.keys", base+".pcap"); code != ExitUsage || !strings.Contains(errs, "--keylog") {
		t.Errorf("missing key log: exit %d, %q", code, errs)
	}
	empty := filepath.Join(t.TempDir(), "empty.keys")
	os.WriteFile(empty, []byte("not a key log\n"), 0o644)
	if code, _, errs := run("analyze", "--keylog", empty, base+".pcap"); code != ExitOK || !strings.Contains(errs, "no TLS secret in it (1 of its lines not understood)") {
		t.Errorf("key log without secrets: exit %d, %q", code, errs)
	}
}
