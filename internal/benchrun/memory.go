package main

import (
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/esaflow/esaflow/internal/pcaptest"
)

// The memory check: short connections (SYN, SYN,ACK, ACK, server RST: a
// TCPREFUSE each) from a thousand hosts, n and ten times n of them, run
// through every output format. Memory must follow the connections open at
// once and the hosts, never the connections decided: each format's peak
// RSS stays flat from n to 10n.

// memoryHosts is the number of distinct clients of the memory check.
const memoryHosts = 1000

// generateShortConns writes n short refused connections, 64 at a time,
// from memoryHosts clients to 192.0.2.25:25.
func generateShortConns(w io.Writer, n int) error {
	pw, err := newPacketWriter(w)
	if err != nil {
		return err
	}
	srv := pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
	tick := clock()
	for base := 0; base < n; base += 64 {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		var batch []*pcaptest.Conv
		for i := base; i < min(base+64, n); i++ {
			h := i % memoryHosts
			cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{10, 9, byte(h >> 8), byte(h)}), Port: uint16(1024 + (i/memoryHosts)%60000)}
			batch = append(batch, b.Conv(cl, srv, uint32(i)*2654435761, uint32(i)*40503))
		}
		for step := 0; step < 4; step++ {
			for _, c := range batch {
				switch step {
				case 0:
					c.SYN(tick())
				case 1:
					c.SYNACK(tick())
				case 2:
					c.ACK(tick())
				case 3:
					c.ServerRST(tick())
				}
			}
		}
		if err := pw.drain(b); err != nil {
			return err
		}
	}
	return pw.flush()
}

// runMemory is the memory check for n and 10n connections.
func runMemory(dir, bin string, n, runs int) error {
	formats := [][]string{{"-o", "table"}, {"-o", "table", "--flows"}, {"-o", "json"}, {"-o", "jsonl"}, {"-o", "csv"}}
	rss := make([][2]int64, len(formats))
	for k, count := range []int{n, 10 * n} {
		path := filepath.Join(dir, fmt.Sprintf("short-%d-gen%d.pcap", count, genVersion))
		out, err := prepare(path, func(w io.Writer) error { return generateShortConns(w, count) })
		if err != nil {
			return err
		}
		for i, f := range formats {
			args := append(append([]string{"analyze"}, f...), path)
			res, err := measure(runs, func() *exec.Cmd { return exec.Command(bin, args...) }, out.f)
			if err != nil {
				out.remove()
				return fmt.Errorf("esaflow %s: %w", strings.Join(f, " "), err)
			}
			rss[i][k] = res.rss
		}
		out.remove()
	}
	fmt.Printf("\nmemory: %d and %d short connections (SYN, SYN,ACK, ACK, RST) from %d hosts\n", n, 10*n, memoryHosts)
	fmt.Printf("%-32s %14s %14s %8s\n", "esaflow analyze", fmt.Sprintf("%d", n), fmt.Sprintf("%d", 10*n), "ratio")
	bad := false
	for i, f := range formats {
		ratio := float64(rss[i][1]) / float64(rss[i][0])
		mark := ""
		if ratio > 1.5 {
			mark, bad = "  NOT FLAT", true
		}
		fmt.Printf("%-32s %10.0f MiB %10.0f MiB %7.2fx%s\n", strings.Join(f, " "), float64(rss[i][0])/1024, float64(rss[i][1])/1024, ratio, mark)
	}
	if bad {
		return fmt.Errorf("peak RSS grows with the connections decided")
	}
	return nil
}
