package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/esaflow/esaflow/internal/pcaptest"
)

// The mixed capture: what a capture taken on a gateway's uplink holds.
// Nine sessions in ten are not SMTP (TLS on 443, HTTP on 80, FTP on 21
// with its own "220" greeting, DNS over TCP on 53); the tenth is SMTP on a
// port outside esaflow's list (2526 or 8025), found by content only. The
// check: every such SMTP session found with its generated label, nothing
// else reported, and the capture analysed at no fewer MB/s than the
// all-SMTP one.

// mixedKind is what slot n of the mixed capture carries.
func mixedKind(n int) string {
	switch n % 10 {
	case 0:
		return "smtp"
	case 1, 2, 7, 8:
		return "tls"
	case 3, 4:
		return "http"
	case 5:
		return "ftp"
	case 6:
		return "dns"
	}
	return "tls"
}

// mixedSMTPKind is the session kind (see sessionStep) of the SMTP slot n:
// one that sends payload, since content is all that tells SMTP on an
// unlisted port (kinds 18, TCPREFUSE, and 19, closed port, never show it).
func mixedSMTPKind(n int) int { return (n / 10) % 18 }

// mixedPort is the unlisted port of SMTP slot n.
func mixedPort(n int) uint16 {
	if (n/10)%2 == 0 {
		return 2526
	}
	return 8025
}

// Payloads of the other protocols.
var (
	httpResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 20000\r\n\r\n" + strings.Repeat("<p>esaflow mixed capture filler text, not mail.</p>\n", 385)
	tlsRecord    = "\x17\x03\x03\x05\xa3" + strings.Repeat("\xa5", 1443)
)

// mixedStep emits step step of slot n, a non-SMTP protocol on c.
func mixedStep(c *pcaptest.Conv, kind string, step int, tick func() time.Time) {
	switch step {
	case 0:
		c.SYN(tick())
		return
	case 1:
		c.SYNACK(tick())
		return
	case 2:
		c.ACK(tick())
		return
	case 12:
		c.ClientFIN(tick())
		return
	case 13:
		c.ServerFIN(tick())
		return
	}
	switch kind {
	case "tls":
		switch step {
		case 3:
			c.Client(tick(), "\x16\x03\x01\x02\x00"+strings.Repeat("\x01", 512))
		case 4:
			c.Server(tick(), "\x16\x03\x03\x0b\xb8"+strings.Repeat("\x02", 1443))
		case 5, 6, 7, 8, 9, 10:
			c.Server(tick(), tlsRecord)
			c.Server(tick(), tlsRecord)
		case 11:
			c.Client(tick(), "\x17\x03\x03\x00\x40"+strings.Repeat("\x03", 64))
		}
	case "http":
		switch step {
		case 3:
			c.Client(tick(), "GET /index.html HTTP/1.1\r\nHost: www.example\r\nUser-Agent: curl/7.88\r\nAccept: */*\r\n\r\n")
		case 4, 5, 6, 7, 8, 9, 10, 11:
			// Two full-sized segments a step, to the end of the response.
			for off := (step - 4) * 2896; off < min((step-3)*2896, len(httpResponse)); off += 1448 {
				c.Server(tick(), httpResponse[off:min(off+1448, len(httpResponse))])
			}
		}
	case "ftp":
		lines := []string{"220 (vsFTPd 3.0.3)\r\n", "USER anonymous\r\n", "331 Please specify the password.\r\n",
			"PASS guest@\r\n", "230 Login successful.\r\n", "PWD\r\n", "257 \"/\" is the current directory\r\n", "QUIT\r\n", "221 Goodbye.\r\n"}
		if i := step - 3; i < len(lines) {
			if i%2 == 0 {
				c.Server(tick(), lines[i])
			} else {
				c.Client(tick(), lines[i])
			}
		}
	case "dns":
		var q, r [2]byte
		query := "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x02mx\x07example\x03net\x00\x00\x0f\x00\x01"
		answer := "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x02mx\x07example\x03net\x00\x00\x0f\x00\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x0e\x10\x00\x09\x00\x0a\x04mail\xc0\x0c"
		binary.BigEndian.PutUint16(q[:], uint16(len(query)))
		binary.BigEndian.PutUint16(r[:], uint16(len(answer)))
		switch step {
		case 3:
			c.Client(tick(), string(q[:])+query)
		case 4:
			c.Server(tick(), string(r[:])+answer)
		}
	}
}

// mixedEndpoints returns slot n's client and server.
func mixedEndpoints(n int, kind string) (client, server pcaptest.Endpoint) {
	cl := pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{203, 0, byte(n >> 8), byte(n)}), Port: uint16(30000 + n%30000)}
	port := map[string]uint16{"tls": 443, "http": 80, "ftp": 21, "dns": 53}[kind]
	if kind == "smtp" {
		port = mixedPort(n)
	}
	return cl, pcaptest.Endpoint{Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + n%7)}), Port: port}
}

// generateMixed writes the mixed capture of about size bytes to w, in
// batches of 32 interleaved slots, and returns the number of slots and
// the payload bytes that were SMTP and not.
func generateMixed(w io.Writer, size int64) (slots int, smtpBytes, otherBytes int64, err error) {
	pw, err := newPacketWriter(w)
	if err != nil {
		return 0, 0, 0, err
	}
	tick := clock()
	for pw.written < size {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		type slot struct {
			c    *pcaptest.Conv
			kind string
			s    sess
		}
		var batch []slot
		for i := 0; i < 32; i++ {
			n := slots + i
			kind := mixedKind(n)
			cl, srv := mixedEndpoints(n, kind)
			c := b.Conv(cl, srv, uint32(n)*2654435761, uint32(n)*40503)
			batch = append(batch, slot{c: c, kind: kind, s: sess{c: c, kind: mixedSMTPKind(n), body: message(n, 50+(n*37)%110)}})
		}
		slots += len(batch)
		for step := 0; step < 14; step++ {
			for _, s := range batch {
				before := payloadBytes(b)
				if s.kind == "smtp" {
					sessionStep(s.c, s.s.kind, step, s.s.body, tick)
					smtpBytes += payloadBytes(b) - before
				} else {
					mixedStep(s.c, s.kind, step, tick)
					otherBytes += payloadBytes(b) - before
				}
			}
			if err := pw.drain(b); err != nil {
				return slots, smtpBytes, otherBytes, err
			}
		}
	}
	return slots, smtpBytes, otherBytes, pw.flush()
}

// payloadBytes is the size of the frames b holds (headers included: the
// share of the capture's bytes).
func payloadBytes(b *pcaptest.Builder) int64 {
	var n int64
	for _, p := range b.Packets {
		n += int64(len(p.Data))
	}
	return n
}

// mixedExpected is the label mix of the SMTP slots among n slots.
func mixedExpected(n int) map[string]int {
	m := map[string]int{}
	for i := 0; i < n; i++ {
		if mixedKind(i) == "smtp" {
			m[expectedLabel(mixedSMTPKind(i))]++
		}
	}
	return m
}

// runMixed is the mixed check: esaflow on the mixed capture and on the
// all-SMTP one, taking turns, their MB/s side by side, and the truth of
// the mixed capture's records.
func runMixed(dir, bin string, sizeMiB int64, runs int) error {
	smtpPath := filepath.Join(dir, fmt.Sprintf("smtp-%dMiB-gen%d.pcap", sizeMiB, genVersion))
	if _, err := ensureCapture(smtpPath, sizeMiB<<20); err != nil {
		return err
	}
	mixPath := filepath.Join(dir, fmt.Sprintf("mixed-%dMiB-gen%d.pcap", sizeMiB, genVersion))
	var slots int
	var smtpB, otherB int64
	if err := ensureFile(mixPath, func(w io.Writer) (err error) {
		slots, smtpB, otherB, err = generateMixed(w, sizeMiB<<20)
		if err == nil {
			err = os.WriteFile(mixPath+".slots", []byte(fmt.Sprintln(slots, smtpB, otherB)), 0o644)
		}
		return err
	}); err != nil {
		return err
	}
	b, err := os.ReadFile(mixPath + ".slots")
	if err != nil {
		return err
	}
	if _, err := fmt.Sscan(string(b), &slots, &smtpB, &otherB); err != nil {
		return err
	}
	out, err := newOutput()
	if err != nil {
		return err
	}
	defer out.remove()
	for _, p := range []string{smtpPath, mixPath} {
		if err := recache(p); err != nil {
			return err
		}
	}
	res, err := measureEach(runs, out.f,
		func() *exec.Cmd { return exec.Command(bin, "analyze", "--format", "jsonl", smtpPath) },
		func() *exec.Cmd { return exec.Command(bin, "analyze", "--format", "jsonl", mixPath) })
	if err != nil {
		return err
	}
	mbps := func(path string, r result) float64 {
		st, _ := os.Stat(path)
		return float64(st.Size()) / 1e6 / r.wall.Seconds()
	}
	all, mix := mbps(smtpPath, res[0]), mbps(mixPath, res[1])
	fmt.Printf("\nmixed capture: %s, %d connections, %.0f%% of the bytes not SMTP\n", mixPath, slots, 100*float64(otherB)/float64(otherB+smtpB))
	fmt.Printf("%-44s %9s %7s %10s %11s\n", "program", "wall", "CPU", "MB/s", "peak RSS")
	fmt.Printf("%-44s %8.2fs %6.2fs %10.0f %7.0f MiB\n", "esaflow, all-SMTP capture", res[0].wall.Seconds(), res[0].cpu.Seconds(), all, float64(res[0].rss)/1024)
	fmt.Printf("%-44s %8.2fs %6.2fs %10.0f %7.0f MiB\n", "esaflow, mixed capture", res[1].wall.Seconds(), res[1].cpu.Seconds(), mix, float64(res[1].rss)/1024)
	mark := "ok"
	if mix < all {
		mark = "SLOWER than the all-SMTP capture"
	}
	fmt.Printf("mixed / all-SMTP MB/s: %.2fx %s\n", mix/all, mark)
	return checkMixed(out, slots)
}

// checkMixed checks the mixed capture's records: only the SMTP slots, on
// their unlisted ports, with their generated labels.
func checkMixed(out *output, slots int) error {
	// The output file holds the last run's output: the mixed capture's.
	jsonl, err := out.bytes()
	if err != nil {
		return err
	}
	got := map[string]int{}
	var stray int
	err = eachRecord(jsonl, func(r *jsonRecord) error {
		if r.ServerPort != 2526 && r.ServerPort != 8025 {
			stray++
		}
		got[label(r.Verdict, r.Outcome)]++
		return nil
	})
	if err != nil {
		return err
	}
	if stray > 0 {
		return fmt.Errorf("%d connections reported on ports that carry no SMTP", stray)
	}
	return compareMix(got, mixedExpected(slots))
}
