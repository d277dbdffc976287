package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify/tlsdecrypt"
)

// mailLogRun analyzes the sample capture with --maillog args and returns
// each connection's log verdicts and flags by ID, and the join's stats.
func mailLogRun(t *testing.T, args ...string) (map[int][]string, map[int][]string, map[string]any) {
	t.Helper()
	code, out, errs := run(append(append([]string{"analyze", "-q", "-o", "json"}, args...), "../../testdata/sample.pcapng")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Connections []struct {
			ID      int
			MailLog []struct{ ID, Verdict string }
			Flags   []struct{ Name string }
		}
		Stats struct {
			MailLog map[string]any `json:"maillog"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	logs, flags := map[int][]string{}, map[int][]string{}
	for _, c := range doc.Connections {
		for _, l := range c.MailLog {
			logs[c.ID] = append(logs[c.ID], l.ID+" "+l.Verdict)
		}
		for _, f := range c.Flags {
			flags[c.ID] = append(flags[c.ID], f.Name)
		}
	}
	return logs, flags, doc.Stats.MailLog
}

// TestMailLogJoinsTheESALog: the ESA mail_logs reconstructed for the
// sample capture (testdata/maillog/README.md) joins each connection to
// its ICID, and flags the two disagreements built into it: a TCPREFUSE
// logged for a client the packets show accepted (connection 12), and a
// connection the log does not have (4, TEMPFAIL); the session of a
// client that never reached the wire is counted; the line that is no
// log line is counted.
func TestMailLogJoinsTheESALog(t *testing.T) {
	logs, flags, st := mailLogRun(t, "--maillog", "../../testdata/maillog/esa_sample.log")
	want := map[int]string{2: "ICID 1001 ACCEPT", 3: "ICID 1002 REJECT", 5: "ICID 1004 ACCEPT", 6: "ICID 1005 ACCEPT", 8: "ICID 1007 ACCEPT",
		9: "ICID 1008 REJECT", 10: "ICID 1009 ACCEPT", 11: "ICID 1010 REJECT", 12: "ICID 1011 TCPREFUSE", 13: "ICID 1012 TCPREFUSE"}
	for id := 1; id <= 13; id++ {
		if got := strings.Join(logs[id], ","); got != want[id] {
			t.Errorf("connection %d: log sessions %q, want %q", id, got, want[id])
		}
	}
	wantFlags := map[int]string{4: "not_in_log", 12: "log_wire_mismatch"}
	for id := 1; id <= 13; id++ {
		if got := strings.Join(flags[id], ","); got != wantFlags[id] {
			t.Errorf("connection %d: flags %q, want %q", id, got, wantFlags[id])
		}
	}
	for k, v := range map[string]float64{"sessions": 11, "joined": 10, "not_on_wire": 1, "log_wire_mismatch": 1, "not_in_log": 1, "unparsed_lines": 1} {
		if st[k] != v {
			t.Errorf("stats %s = %v, want %v", k, st[k], v)
		}
	}
}

// TestMailLogRotatedAndCompressedInAnyOrder: the same log cut in two,
// the older half gzip-compressed and given last, joins as the whole one.
func TestMailLogRotatedAndCompressedInAnyOrder(t *testing.T) {
	whole, err := os.ReadFile("../../testdata/maillog/esa_sample.log")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(whole), "\n")
	cut := len(lines) / 2
	for !strings.Contains(lines[cut], "New SMTP ICID") { // cut between sessions... or inside one
		cut++
	}
	cut += 2 // inside a session: it goes on in the newer file
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Join(lines[:cut], "")))
	zw.Close()
	old, cur := filepath.Join(dir, "mail.log.1.gz"), filepath.Join(dir, "mail.log")
	os.WriteFile(old, gz.Bytes(), 0o644)
	os.WriteFile(cur, []byte(strings.Join(lines[cut:], "")), 0o644)
	logs1, flags1, _ := mailLogRun(t, "--maillog", "../../testdata/maillog/esa_sample.log")
	logs2, flags2, _ := mailLogRun(t, "--maillog", cur, "--maillog", old)
	for id := 1; id <= 13; id++ {
		if strings.Join(logs1[id], ",") != strings.Join(logs2[id], ",") || strings.Join(flags1[id], ",") != strings.Join(flags2[id], ",") {
			t.Errorf("connection %d: %v %v whole, %v %v rotated", id, logs1[id], flags1[id], logs2[id], flags2[id])
		}
	}
}

// TestMailLogOptionErrors: a log that cannot be read, a zone that does
// not exist and the log options without a log are usage errors.
func TestMailLogOptionErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--maillog", "/nonexistent/mail.log"},
		{"--maillog", "../../testdata/maillog/esa_sample.log", "--maillog-tz", "Mars/Olympus"},
		{"--maillog-year", "2025"},
	} {
		code, _, errs := run(append(append([]string{"analyze"}, args...), "../../testdata/sample.pcapng")...)
		if code != ExitUsage || !strings.Contains(errs, "--maillog") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
}

// TestRecordedMailLogs joins every capture the rig recorded with Postfix
// to the slice of Postfix's own log it kept (NAME.maillog): no false
// disagreement anywhere; the disagreements the scenarios are built for are
// flagged: the forged resets of the router (fw_*) and of the
// mismatch scenario, where Postfix logged the client going away while the
// client got a reset in the server's name (log_wire_mismatch), and the
// connections HAProxy refused, which Postfix never saw (not_in_log). No
// session of the log is left off the wire.
func TestRecordedMailLogs(t *testing.T) {
	logs, _ := filepath.Glob("../../testdata/captures/*.maillog")
	if len(logs) < 25 {
		t.Fatalf("only %d recorded mail logs", len(logs))
	}
	flagged := map[string]string{
		"fw_attachment_255": "1 log_wire_mismatch", "fw_header_998": "1 log_wire_mismatch", "fw_long_command": "1 log_wire_mismatch",
		"fw_rcpt_101": "1 log_wire_mismatch", "fw_sender_320": "1 log_wire_mismatch", "postfix_log_mismatch_rst": "1 log_wire_mismatch",
		"any_sll2_mixed": "3 not_in_log", "ipv6_mixed": "3 not_in_log",
	}
	for _, log := range logs {
		base := strings.TrimSuffix(log, ".maillog")
		name := filepath.Base(base)
		capFile := base + ".pcap"
		if _, err := os.Stat(capFile); err != nil {
			capFile = base + ".pcapng"
		}
		got := analyzeFile(t, capFile, "--maillog", log)
		var flags []string
		joined := 0
		for _, c := range got.Connections {
			for _, f := range c.Flags {
				if f.Name == "log_wire_mismatch" || f.Name == "not_in_log" {
					flags = append(flags, fmt.Sprintf("%d %s", c.ID, f.Name))
				}
			}
			joined += len(c.MailLog)
		}
		if got, want := strings.Join(flags, ","), flagged[name]; got != want {
			t.Errorf("%s: flags %q, want %q", name, got, want)
		}
		if st := got.Stats.MailLog; st == nil || st.NotOnWire != 0 || st.Joined != joined || st.Unparsed != 0 {
			t.Errorf("%s: stats %+v (joined %d)", name, st, joined)
		}
	}
}

// TestLiveRefusesMailLog: live cannot join a log read before its
// connections are logged, and says what to do instead.
func TestLiveRefusesMailLog(t *testing.T) {
	code, _, errs := run("live", "-i", "lo", "--maillog", "../../testdata/maillog/esa_sample.log")
	if code != ExitUsage || !strings.Contains(errs, "live -w FILE, then esaflow analyze --maillog") {
		t.Errorf("exit %d, %q", code, errs)
	}
}

// TestLiveFollowsItsKeyLog: lines a TLS program appends to the key log
// after live started are read (whole lines only; a file put in its place
// is read from its start).
func TestLiveFollowsItsKeyLog(t *testing.T) {
	keys, err := os.ReadFile("../../testdata/captures/tls_kl_12_gcm_postfix_msmtp.keys")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys.log")
	os.WriteFile(path, nil, 0o644)
	kl := tlsdecrypt.NewKeyLog()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go followKeyLogs(ctx, []string{path}, []int64{0}, kl, 5*time.Millisecond)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	line := strings.TrimSpace(string(keys))
	f.WriteString(line[:20]) // half a line: not read yet
	time.Sleep(50 * time.Millisecond)
	if kl.Len() != 0 {
		t.Fatalf("half a line read: %d secrets", kl.Len())
	}
	f.WriteString(line[20:] + "\n")
	f.Close()
	for i := 0; i < 100 && kl.Len() == 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if kl.Len() != 1 || kl.Skipped() != 0 {
		t.Errorf("%d secrets, %d lines skipped, want the appended one", kl.Len(), kl.Skipped())
	}
}

// TestEximMainlogJoinsByPort: Exim's mainlog (recorded beside the tls rig's
// Exim captures) joins each connection by its client address and port:
// the delivery's session carries its queue ID and TLS, a failed handshake
// its TLS failure, and the reset by the server's host its loss.
func TestEximMainlogJoinsByPort(t *testing.T) {
	for _, tc := range []struct {
		name, want string
	}{
		{"tls_465_ok_exim_swaks", "exim ACCEPT disconnect success 1"},
		{"tls_13_untrusted_exim_opensslcli", "exim ACCEPT disconnect failed 0"},
		{"tls_kl_12_srvreset_exim_python", "exim ACCEPT lost  0"},
	} {
		base := "../../testdata/captures/" + tc.name
		code, out, errs := run("analyze", "-q", "-o", "jsonl", "--maillog", base+".maillog", base+".pcap")
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", tc.name, code, errs)
		}
		var rec struct {
			ClientPort int `json:"client_port"`
			MailLog    []struct {
				Format, ID, Verdict, Ended, TLS string
				QueueIDs                        []string `json:"queue_ids"`
			}
		}
		if err := json.Unmarshal([]byte(out), &rec); err != nil || len(rec.MailLog) != 1 {
			t.Fatalf("%s: %v %s", tc.name, err, out)
		}
		m := rec.MailLog[0]
		if got := fmt.Sprintf("%s %s %s %s %d", m.Format, m.Verdict, m.Ended, m.TLS, len(m.QueueIDs)); got != tc.want || !strings.HasSuffix(m.ID, fmt.Sprintf(":%d", rec.ClientPort)) {
			t.Errorf("%s: %q (%s), want %q", tc.name, got, m.ID, tc.want)
		}
	}
}
