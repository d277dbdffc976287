package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
)

// TestFiltersSelectConnectionsOnRecordedCaptures: each filter keeps
// exactly the connections of the whole report that match it, and the
// statistics count the rest as filtered out.
func TestFiltersSelectConnectionsOnRecordedCaptures(t *testing.T) {
	sample := "../../testdata/sample.pcapng"
	all := records(t, "analyze", "-o", "json", sample)
	for _, tc := range []struct {
		args []string
		keep func(r jsonConn) bool
	}{
		{[]string{"--verdict", "reject,TCPREFUSE"}, func(r jsonConn) bool { return r.Verdict == "REJECT" || r.Verdict == "TCPREFUSE" }},
		{[]string{"--outcome", "delivered"}, func(r jsonConn) bool { return r.Verdict == "ACCEPT" && r.Outcome == "DELIVERED" }},
		{[]string{"--client", "198.51.100.20/30"}, func(r jsonConn) bool {
			return netip.MustParsePrefix("198.51.100.20/30").Contains(netip.MustParseAddr(r.Client))
		}},
		{[]string{"--client", "198.51.100.23", "--verdict", "ACCEPT"}, func(r jsonConn) bool { return r.Client == "198.51.100.23" && r.Verdict == "ACCEPT" }},
		{[]string{"--server", "192.0.2.0/24"}, func(jsonConn) bool { return true }},
		{[]string{"--server", "2001:db8::/32"}, func(jsonConn) bool { return false }},
		{[]string{"--since", "2026-11-22 09:50:00", "--until", "2026-11-22T09:50:32Z"}, func(r jsonConn) bool {
			return !r.Start.Before(time.Date(2026, 11, 22, 9, 50, 0, 0, time.UTC)) && r.Start.Before(time.Date(2026, 11, 22, 9, 50, 32, 0, time.UTC))
		}},
	} {
		args := append(append([]string{"analyze", "-o", "json"}, tc.args...), sample)
		code, out, errs := run(args...)
		var doc struct {
			Connections []jsonConn `json:"connections"`
			Stats       struct {
				Connections int `json:"connections"`
				FilteredOut int `json:"filtered_out"`
			} `json:"stats"`
		}
		if code != ExitOK || json.Unmarshal([]byte(out), &doc) != nil {
			t.Fatalf("%v: exit %d, %s", tc.args, code, errs)
		}
		var want []uint64
		for _, r := range all {
			if tc.keep(r) {
				want = append(want, r.ID)
			}
		}
		var got []uint64
		for _, r := range doc.Connections {
			got = append(got, r.ID)
		}
		if len(got) != len(want) || doc.Stats.FilteredOut != len(all)-len(want) || doc.Stats.Connections != len(all) {
			t.Errorf("%v: kept %v, want %v; filtered out %d of %d", tc.args, got, want, doc.Stats.FilteredOut, doc.Stats.Connections)
		}
	}
	for _, bad := range [][]string{{"--verdict", "MAYBE"}, {"--client", "mx.example"}, {"--since", "yesterday"}, {"--since", "2026-11-23", "--until", "2026-11-22"}} {
		code, _, errs := run(append(append([]string{"analyze"}, bad...), sample)...)
		if code != ExitUsage || !strings.Contains(errs, bad[0]) {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errs)
		}
	}
}

// records returns the connections of an analyze -o json run.
func records(t *testing.T, args ...string) []jsonConn {
	t.Helper()
	_, out, _ := run(args...)
	var doc analyzeJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Connections
}

// TestBPFFilterOnFiles: -f keeps the frames a tcpdump expression matches,
// on Ethernet and on Linux SLL2 captures alike: filtering on a client's
// address gives that client's connections, as the whole capture decides
// them. A build without libpcap says it cannot, and how to get it.
func TestBPFFilterOnFiles(t *testing.T) {
	for _, file := range []string{"../../testdata/sample.pcapng", "../../testdata/captures/any_sll2_mixed.pcap"} {
		all := records(t, "analyze", "-o", "json", file)
		client := all[len(all)/2].Client
		code, out, errs := run("analyze", "-o", "json", "-f", "host "+client, file)
		if capture.LiveSupported() != nil {
			if code != ExitUsage || !strings.Contains(errs, "takes libpcap") {
				t.Errorf("%s without libpcap: exit %d, stderr %q", file, code, errs)
			}
			continue
		}
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", file, code, errs)
		}
		key := func(r jsonConn) string {
			return fmt.Sprintf("%s:%d %s %s", r.Client, r.ClientPort, r.Verdict, r.Outcome)
		}
		var want, got []string
		for _, r := range all {
			if r.Client == client {
				want = append(want, key(r))
			}
		}
		var doc analyzeJSON
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Connections {
			got = append(got, key(r))
		}
		slices.Sort(want)
		slices.Sort(got)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s -f 'host %s': %v, want %v", file, client, got, want)
		}
	}
	if code, _, errs := run("analyze", "-f", "host ((", "../../testdata/sample.pcapng"); code != ExitUsage || !strings.Contains(errs, "-f:") {
		t.Errorf("a filter that does not compile: exit %d, stderr %q", code, errs)
	}
}
