package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestExplanationsAreWhatThePacketsShow checks, on every recorded capture
// from the rigs for captures from elsewhere (wild_*, tls_*), the numbers
// the records state against tshark's reading of the same packets: each
// side's packet count, the payload bytes on the wire but not in the
// capture, and the numbers the one-sided and snap length evidence quotes.
func TestExplanationsAreWhatThePacketsShow(t *testing.T) {
	bin := tshark(t)
	files, _ := filepath.Glob("../../testdata/captures/wild_*.pcap")
	tls, _ := filepath.Glob("../../testdata/captures/tls_*.pcap")
	files = append(files, tls...)
	if len(files) == 0 {
		t.Fatal("no wild_ or tls_ captures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			truth := tsharkConns(t, bin, f)
			doc := analyzeFile(t, f)
			for _, c := range doc.Connections {
				key := fmt.Sprintf("%d-%d", c.ClientPort, c.ServerPort)
				tr, ok := truth[key]
				if !ok {
					t.Errorf("connection %d (%s) is not in tshark's reading", c.ID, key)
					continue
				}
				if c.ClientPackets != tr.packets[0] || c.ServerPackets != tr.packets[1] {
					t.Errorf("connection %d: packets %d/%d, tshark %d/%d", c.ID, c.ClientPackets, c.ServerPackets, tr.packets[0], tr.packets[1])
				}
				if c.MissedBytes != tr.missed[0]+tr.missed[1] {
					t.Errorf("connection %d: missed_bytes %d, tshark %d", c.ID, c.MissedBytes, tr.missed[0]+tr.missed[1])
				}
				for _, fl := range c.Flags {
					checkEvidence(t, c.ID, fl.Name, fl.Evidence, tr)
				}
				if m := regexp.MustCompile(`(\d+) SYN packet\(s\)`).FindStringSubmatch(c.Explanation); m != nil && (atoi(m[1]) != tr.syns || tr.packets[0] != uint64(tr.syns)) {
					t.Errorf("connection %d: %q, tshark %d SYNs of %d client packets", c.ID, c.Explanation, tr.syns, tr.packets[0])
				}
				if m := regexp.MustCompile(`the client sent (\d+) packet\(s\) after its SYN`).FindStringSubmatch(c.Explanation); m != nil && uint64(atoi(m[1])) != tr.packets[0]-uint64(tr.syns) {
					t.Errorf("connection %d: %q, tshark %d client packets, %d SYNs", c.ID, c.Explanation, tr.packets[0], tr.syns)
				}
			}
		})
	}
}

// checkEvidence checks the numbers of one flag's evidence.
func checkEvidence(t *testing.T, id uint64, name, ev string, tr *tsharkConn) {
	t.Helper()
	nums := regexp.MustCompile(`\d+`).FindAllString(ev, -1)
	var want []uint64
	switch name {
	case "missed_bytes":
		want = tr.missed[:]
	case "server_not_captured":
		want = []uint64{tr.packets[0], tr.packets[0] - uint64(tr.syns), tr.wire[0] - tr.missed[0]}
	case "client_not_captured":
		want = []uint64{tr.packets[1], tr.wire[1] - tr.missed[1]}
	default:
		return
	}
	if len(nums) < len(want) {
		t.Errorf("connection %d: %s evidence %q, want the numbers %v", id, name, ev, want)
		return
	}
	for i, w := range want {
		if uint64(atoi(nums[i])) != w {
			t.Errorf("connection %d: %s evidence %q, tshark says %v", id, name, ev, want)
			return
		}
	}
}

// tsharkConn is what tshark counts for one connection: packets, payload
// bytes on the wire and payload bytes cut from the capture, by client
// (0) and server (1), and the client's SYNs.
type tsharkConn struct {
	packets, wire, missed [2]uint64
	syns                  int
}

// tsharkConns reads a capture with tshark, its connections keyed by
// "clientport-serverport" (the client is the side that sent a SYN, or the
// side a SYN,ACK went to), each counted up to its teardown: the packet
// with the second FIN. (esaflow decides a connection there; the last ACK
// after it is absorbed, not counted.)
func tsharkConns(t *testing.T, bin, path string) map[string]*tsharkConn {
	t.Helper()
	out, err := exec.Command(bin, "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=,",
		"-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack", "-e", "tcp.flags.fin",
		"-e", "tcp.len", "-e", "frame.len", "-e", "frame.cap_len").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	type row struct {
		stream, src, dst         string
		syn, ack, fin            bool
		tcpLen, frameLen, capLen uint64
	}
	var rows []row
	client := map[string]string{} // stream -> the client's port
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, ",")
		if len(f) != 9 {
			continue
		}
		r := row{stream: f[0], src: f[1], dst: f[2], syn: f[3] == "1" || f[3] == "True", ack: f[4] == "1" || f[4] == "True",
			fin: f[5] == "1" || f[5] == "True", tcpLen: uint64(atoi(f[6])), frameLen: uint64(atoi(f[7])), capLen: uint64(atoi(f[8]))}
		rows = append(rows, r)
		if _, ok := client[r.stream]; !ok && r.syn {
			if r.ack {
				client[r.stream] = r.dst
			} else {
				client[r.stream] = r.src
			}
		}
	}
	conns := map[string]*tsharkConn{}
	fins := map[string]*[2]bool{} // by stream: the FINs seen; after both, packets are not the connection's
	for _, r := range rows {
		cl, ok := client[r.stream]
		if !ok {
			continue
		}
		d, key := 0, cl+"-"+r.dst
		if r.src != cl {
			d, key = 1, cl+"-"+r.src
		}
		c := conns[key]
		if c == nil {
			c = &tsharkConn{}
			conns[key] = c
		}
		f := fins[r.stream]
		if f == nil {
			f = new([2]bool)
			fins[r.stream] = f
		}
		if f[0] && f[1] {
			continue // after the teardown: absorbed, as esaflow documents
		}
		if r.fin {
			f[d] = true
		}
		c.packets[d]++
		c.wire[d] += r.tcpLen
		if cut := r.frameLen - r.capLen; r.tcpLen > 0 {
			c.missed[d] += min(cut, r.tcpLen)
		}
		if r.syn && !r.ack {
			c.syns++
		}
	}
	return conns
}

func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}

// TestCommunityIDsAreTsharks: every record's community_id is the one
// Wireshark's own implementation gives the connection's packets.
func TestCommunityIDsAreTsharks(t *testing.T) {
	bin := tshark(t)
	files, _ := filepath.Glob("../../testdata/captures/wild_*.pcap")
	files = append(files, "../../testdata/sample.pcapng")
	checked := 0
	for _, f := range files {
		out, err := exec.Command(bin, "-r", f, "--enable-protocol", "communityid", "-Y", "tcp",
			"-T", "fields", "-e", "communityid").Output()
		if err != nil {
			t.Fatalf("tshark %s: %v", f, err)
		}
		known := map[string]bool{}
		for _, id := range strings.Fields(string(out)) {
			known[id] = true
		}
		for _, c := range records(t, "analyze", "-o", "json", f) {
			if !known[c.CommunityID] {
				t.Errorf("%s: connection %d's community_id %s is not one tshark gives", filepath.Base(f), c.ID, c.CommunityID)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Fatalf("only %d connections checked", checked)
	}
}

// tshark returns tshark's path, or skips the test: in -short mode, or
// when it is not installed (.ci/run installs it).
func tshark(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("tshark cross-check skipped in -short mode")
	}
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	return bin
}
