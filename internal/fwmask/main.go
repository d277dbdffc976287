// Command fwmask rewrites a recorded SMTP capture the way a firewall's
// ESMTP inspection (Cisco ASA/PIX "inspect esmtp") rewrites the server's
// side of a session, to make the test captures of the rewrites that the
// recording rig cannot produce without such a firewall:
//
//   - -banner: the greeting's text is replaced by asterisks, except the
//     characters '2' and '0' it holds ("220 mx ESMTP 2020" becomes
//     "220 ************2020"), as the inspection masks the banner;
//   - -ehlo: the STARTTLS keyword of the EHLO reply becomes "XXXXXXXA", as
//     the inspection hides extensions it does not support (which keeps the
//     client from switching to TLS).
//
// Every rewrite keeps the payload's length, so sequence numbers stay
// valid; the TCP checksum is computed again. Only Ethernet captures
// (what the rig records on its veths) of IPv4 or IPv6 are supported. The
// rig (testdata/record/record.sh) runs it on a capture of a real session
// with a client that did not use STARTTLS, so the rewritten dialogue is
// one a real client behind such a firewall would have had.
//
// Usage:
//
//	go run ./internal/fwmask -banner -ehlo -in IN.pcap -out OUT.pcap
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

func main() {
	in := flag.String("in", "", "capture to read")
	out := flag.String("out", "", "capture to write (classic pcap, nanosecond timestamps)")
	banner := flag.Bool("banner", false, "mask the greeting")
	ehlo := flag.Bool("ehlo", false, "mask STARTTLS in the EHLO reply")
	flag.Parse()
	if *in == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	n, err := rewrite(*in, *out, masker{banner: *banner, ehlo: *ehlo, conns: map[[2]netip.AddrPort]*connState{}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fwmask:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "fwmask: %s -> %s, %d segments rewritten\n", *in, *out, n)
}

// connState is what the masker remembers of one connection.
type connState struct {
	greeted  bool // the server's first payload went by
	ehloSent bool // the client's last command was EHLO
}

// masker applies the rewrites to the server's payloads.
type masker struct {
	banner, ehlo bool
	conns        map[[2]netip.AddrPort]*connState
}

// segment rewrites one segment's payload in place and reports whether it
// changed anything.
func (m masker) segment(seg *flow.Segment) bool {
	fromServer := seg.Src.Port() == 25
	key := [2]netip.AddrPort{seg.Src, seg.Dst}
	if fromServer {
		key = [2]netip.AddrPort{seg.Dst, seg.Src}
	}
	st := m.conns[key]
	if st == nil {
		st = &connState{}
		m.conns[key] = st
	}
	p := seg.Payload
	if len(p) == 0 {
		return false
	}
	if !fromServer {
		st.ehloSent = len(p) >= 4 && bytes.EqualFold(p[:4], []byte("EHLO"))
		return false
	}
	changed := false
	if !st.greeted {
		st.greeted = true
		if m.banner && len(p) > 4 && bytes.HasPrefix(p, []byte("220")) {
			for i := 4; i < len(p) && p[i] != '\r' && p[i] != '\n'; i++ {
				if p[i] != '2' && p[i] != '0' {
					p[i] = '*'
				}
			}
			changed = true
		}
		return changed
	}
	if m.ehlo && st.ehloSent {
		for _, kw := range [][]byte{[]byte("250-STARTTLS\r\n"), []byte("250 STARTTLS\r\n")} {
			if i := bytes.Index(p, kw); i >= 0 {
				copy(p[i+4:], "XXXXXXXA")
				changed = true
			}
		}
	}
	return changed
}

// rewrite copies in to out, masking what m says, and returns the number of
// segments changed.
func rewrite(in, out string, m masker) (int, error) {
	src, err := capture.Open(in, nil)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	changed := 0
	var pkt capture.Packet
	var seg flow.Segment
	for {
		err := src.Next(&pkt)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return changed, err
		}
		if pkt.LinkType != capture.LinkEthernet {
			return changed, fmt.Errorf("%s: only Ethernet captures are supported", in)
		}
		data := append([]byte(nil), pkt.Data...)
		if flow.Decode(pkt.LinkType, data, &seg) == nil && m.segment(&seg) {
			if err := fixTCPChecksum(data); err != nil {
				return changed, err
			}
			changed++
		}
		b.Raw(pkt.Time, data)
	}
	f, err := os.Create(out)
	if err != nil {
		return changed, err
	}
	if err := b.WritePcap(f, pcaptest.PcapOptions{Nanosecond: true}); err != nil {
		f.Close()
		return changed, err
	}
	return changed, f.Close()
}

// fixTCPChecksum computes the TCP checksum of an Ethernet frame again.
func fixTCPChecksum(f []byte) error {
	if len(f) < 14 {
		return errors.New("short frame")
	}
	ip := f[14:]
	var pseudo []byte
	var tcp []byte
	switch binary.BigEndian.Uint16(f[12:14]) {
	case 0x0800:
		ihl := int(ip[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(ip[2:4]))
		tcp = ip[ihl:total]
		pseudo = append(append([]byte{}, ip[12:20]...), 0, 6, byte(len(tcp)>>8), byte(len(tcp)))
	case 0x86dd:
		plen := int(binary.BigEndian.Uint16(ip[4:6]))
		tcp = ip[40 : 40+plen]
		pseudo = append(append([]byte{}, ip[8:40]...), 0, 0, byte(len(tcp)>>8), byte(len(tcp)), 0, 0, 0, 6)
	default:
		return errors.New("not IPv4 or IPv6")
	}
	tcp[16], tcp[17] = 0, 0
	sum := checksum(0, pseudo)
	sum = checksum(sum, tcp)
	c := ^fold(sum)
	binary.BigEndian.PutUint16(tcp[16:18], c)
	return nil
}

func checksum(sum uint32, b []byte) uint32 {
	for len(b) >= 2 {
		sum += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	return sum
}

func fold(sum uint32) uint16 {
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}
