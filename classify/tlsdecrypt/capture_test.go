package tlsdecrypt

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// keyLoggedCaptures are the recorded captures whose key log matches them.
var keyLoggedCaptures = []string{
	"tls_kl_12_cbc_postfix_python.pcap",
	"tls_kl_12_cbcnoetm_exim_msmtp.pcap",
	"tls_kl_12_chacha_exim_swaks.pcap",
	"tls_kl_12_chacha_postfix_python.pcap",
	"tls_kl_12_gcm_postfix_msmtp.pcap",
	"tls_kl_12_gcm_postfix_msmtp_dsb.pcapng",
	"tls_kl_12_senderrej_postfix_python.pcap",
	"tls_kl_12_srvreset_exim_python.pcap",
	"tls_kl_13_chacha_exim_msmtp.pcap",
	"tls_kl_13_chacha_postfix_opensslcli.pcap",
	"tls_kl_13_gcm_exim_swaks.pcap",
	"tls_kl_13_gcm_exim_swaks_dsb.pcapng",
	"tls_kl_13_keyupdate_postfix_opensslcli.pcap",
	"tls_kl_13_rcptrej_postfix_python.pcap",
	"tls_kl_13_reset_postfix_python.pcap",
}

// dialogue is what a .decrypted.expect's head says tshark decrypted.
type dialogue struct {
	lines  [2][]string     // expected text in each direction's plaintext, in order
	alerts [2][]byte       // alert descriptions sent encrypted by each side
	hsMsgs [2]map[byte]int // post-handshake messages: NewSessionTicket, KeyUpdate
}

var (
	moreLines = regexp.MustCompile(`^(\d{3}) (.*) \(\+\d+ lines\)$`)
	tlsEvent  = regexp.MustCompile(`^(NewSessionTicket|KeyUpdate|alert (\d+)) from ([CS])$`)
)

// readDialogue parses the decrypted SMTP dialogue at the head of a
// capture's .decrypted.expect: the "C:" and "S:" lines after "-- TLS
// (decrypted) --", and the "tls:" line's post-handshake events.
func readDialogue(t *testing.T, name string) dialogue {
	t.Helper()
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".pcap"), ".pcapng")
	f, err := os.Open(filepath.Join(capturesDir, base+".decrypted.expect"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := dialogue{hsMsgs: [2]map[byte]int{{}, {}}}
	inTLS := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "#"))
		switch {
		case strings.HasPrefix(line, "-- TLS (decrypted) --"):
			inTLS = true
		case !inTLS:
		case strings.HasPrefix(line, "C: "), strings.HasPrefix(line, "S: "):
			dir := FromClient
			if line[0] == 'S' {
				dir = FromServer
			}
			text := line[3:]
			switch {
			case strings.HasPrefix(text, "<message:"):
				continue
			case text == ".":
				text = "\r\n.\r\n"
			case moreLines.MatchString(text):
				// The first line of a multi-line reply.
				m := moreLines.FindStringSubmatch(text)
				text = m[1] + "-" + m[2] + "\r\n"
			default:
				text += "\r\n"
			}
			d.lines[dir] = append(d.lines[dir], text)
		case strings.HasPrefix(line, "tls: "):
			events := strings.Split(line, "; ")
			if len(events) < 2 {
				continue
			}
			for _, ev := range strings.Split(events[1], ", ") {
				m := tlsEvent.FindStringSubmatch(ev)
				if m == nil {
					t.Fatalf("%s: unknown tls event %q", name, ev)
				}
				dir := FromClient
				if m[3] == "S" {
					dir = FromServer
				}
				switch {
				case m[1] == "NewSessionTicket":
					d.hsMsgs[dir][4]++
				case m[1] == "KeyUpdate":
					d.hsMsgs[dir][typeKeyUpdate]++
				default:
					desc, _ := strconv.Atoi(m[2])
					d.alerts[dir] = append(d.alerts[dir], byte(desc))
				}
			}
			inTLS = false
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(d.lines[FromClient]) == 0 || len(d.lines[FromServer]) == 0 {
		t.Fatalf("%s: no decrypted dialogue in the expect file", name)
	}
	return d
}

// checkInOrder checks that every line occurs in plain, each after the one
// before.
func checkInOrder(t *testing.T, dir Direction, plain []byte, lines []string) {
	t.Helper()
	rest := plain
	for _, l := range lines {
		i := bytes.Index(rest, []byte(l))
		if i < 0 {
			t.Errorf("%s plaintext lacks %q after what came before; it has %q", dir, l, tail(plain, 400))
			return
		}
		rest = rest[i+len(l):]
	}
}

// tail returns the last n bytes of b at most.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// TestKeyLoggedCapturesDecryptTheirDialogue decrypts every recorded
// capture with its key log (the .keys file, or the pcapng's Decryption
// Secrets Block) and finds in the plaintext the SMTP dialogue tshark
// decrypted (the head of each .decrypted.expect), the alerts each side
// sent encrypted, and TLS 1.3's NewSessionTicket and KeyUpdate messages.
func TestKeyLoggedCapturesDecryptTheirDialogue(t *testing.T) {
	for _, name := range keyLoggedCaptures {
		t.Run(name, func(t *testing.T) {
			want := readDialogue(t, name)
			c := NewConn(keysFor(t, name))
			tr := feed(c, captureRecords(t, name))
			if len(tr.errs) > 0 {
				t.Errorf("errors: %v", tr.errs)
			}
			if c.State() != Decrypting {
				t.Fatalf("state %s, want decrypting", c.State())
			}
			for dir := range 2 {
				checkInOrder(t, Direction(dir), tr.app[dir], want.lines[dir])
				if !bytes.Equal(tr.alerts[dir], want.alerts[dir]) {
					t.Errorf("%s alerts %v, want %v", Direction(dir), tr.alerts[dir], want.alerts[dir])
				}
				if c.version != versionTLS13 {
					continue
				}
				got := map[byte]int{}
				for _, typ := range tr.hsTypes[dir] {
					if typ == 4 || typ == typeKeyUpdate {
						got[typ]++
					}
				}
				for typ, n := range want.hsMsgs[dir] {
					if got[typ] == 0 || (typ == typeKeyUpdate && got[typ] != n) {
						t.Errorf("%s handshake message %d: %d, want %d", Direction(dir), typ, got[typ], n)
					}
				}
			}
		})
	}
}

// TestWrongKeysCaptureHasNoEntryForItsClientRandom feeds
// tls_kl_13_wrongkeys_exim_msmtp with its .keys file, the complete key log
// of another session: no line names this capture's client random, so the
// Conn says NoKeys and decrypts nothing.
func TestWrongKeysCaptureHasNoEntryForItsClientRandom(t *testing.T) {
	const name = "tls_kl_13_wrongkeys_exim_msmtp.pcap"
	c := NewConn(keysFor(t, name))
	tr := feed(c, captureRecords(t, name))
	if c.State() != NoKeys || tr.decrypted != 0 || len(tr.errs) != 0 {
		t.Fatalf("state %s, %d records decrypted, errors %v; want no-keys, none, none", c.State(), tr.decrypted, tr.errs)
	}
}

// TestAnotherSessionsKeysUnderThisClientRandomFail gives
// tls_kl_13_wrongkeys_exim_msmtp the secrets of the other session as if
// they were logged under this capture's client random: the first record of
// each side fails authentication, the state is Failed and no plaintext
// comes out.
func TestAnotherSessionsKeysUnderThisClientRandomFail(t *testing.T) {
	const name = "tls_kl_13_wrongkeys_exim_msmtp.pcap"
	recs := captureRecords(t, name)
	random := fmt.Sprintf("%x", recs[0].rec[recordHeaderLen+4+2:][:randomLen])
	text := readFile(t, filepath.Join(capturesDir, "tls_kl_13_wrongkeys_exim_msmtp.keys"))
	var relabeled bytes.Buffer
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		f := strings.Fields(line)
		fmt.Fprintf(&relabeled, "%s %s %s\n", f[0], random, f[2])
	}
	kl := NewKeyLog()
	if _, err := kl.Read(&relabeled); err != nil {
		t.Fatal(err)
	}
	c := NewConn(kl)
	tr := feed(c, recs)
	if c.State() != Failed {
		t.Fatalf("state %s, want failed", c.State())
	}
	if tr.decrypted != 0 {
		t.Errorf("%d records decrypted with the wrong keys", tr.decrypted)
	}
	if len(tr.errs) != 2 {
		t.Errorf("errors %v, want one authentication failure a side", tr.errs)
	}
	for _, err := range tr.errs {
		if !errors.Is(err, ErrAuthentication) {
			t.Errorf("error %v is not ErrAuthentication", err)
		}
	}
}

// TestConnectionWithoutKeyLogLineHasNoKeys feeds a TLS 1.2 and a TLS 1.3
// capture to Conns with an empty key log, a nil one and one holding only
// the other version's secret: all say NoKeys, decrypt nothing and return
// no error.
func TestConnectionWithoutKeyLogLineHasNoKeys(t *testing.T) {
	for _, name := range []string{"tls_kl_12_gcm_postfix_msmtp.pcap", "tls_kl_13_gcm_exim_swaks.pcap"} {
		recs := captureRecords(t, name)
		random := fmt.Sprintf("%x", recs[0].rec[recordHeaderLen+4+2:][:randomLen])
		otherVersion := NewKeyLog()
		line := "CLIENT_RANDOM " + random + " " + strings.Repeat("ab", masterSecretLen) + "\n"
		if strings.HasPrefix(name, "tls_kl_12") {
			line = "CLIENT_TRAFFIC_SECRET_0 " + random + " " + strings.Repeat("ab", 32) + "\n"
		}
		if _, err := otherVersion.Read(strings.NewReader(line)); err != nil {
			t.Fatal(err)
		}
		for what, kl := range map[string]*KeyLog{"empty": NewKeyLog(), "nil": nil, "other version": otherVersion} {
			c := NewConn(kl)
			tr := feed(c, recs)
			if c.State() != NoKeys || tr.decrypted != 0 || len(tr.errs) != 0 {
				t.Errorf("%s, %s key log: state %s, %d decrypted, errors %v", name, what, c.State(), tr.decrypted, tr.errs)
			}
		}
	}
}

// TestKeyUpdateDecryptsWithOnlyTheFirstSecrets reads the KeyUpdate
// capture's key log, whose OpenSSL CLIENT_TRAFFIC_SECRET_N and
// SERVER_TRAFFIC_SECRET_N lines are ignored, and decrypts the records
// after both KeyUpdates: the second generation of keys is derived from
// the _0 secrets.
func TestKeyUpdateDecryptsWithOnlyTheFirstSecrets(t *testing.T) {
	const name = "tls_kl_13_keyupdate_postfix_opensslcli.pcap"
	kl := keysFor(t, name)
	if kl.Ignored() != 3 || kl.Skipped() != 0 || kl.Len() != 1 {
		t.Fatalf("key log: %d ignored, %d skipped, %d randoms; want 3 (EXPORTER_SECRET and the two _N), 0, 1", kl.Ignored(), kl.Skipped(), kl.Len())
	}
	c := NewConn(kl)
	recs := captureRecords(t, name)
	tr := feed(c, recs)
	if c.State() != Decrypting || len(tr.errs) != 0 {
		t.Fatalf("state %s, errors %v", c.State(), tr.errs)
	}
	var after [2][]byte // application data after each side's KeyUpdate
	var updated [2]bool
	for i, res := range tr.results {
		dir := recs[i].dir
		if updated[dir] && res.ContentType == typeApplicationData {
			after[dir] = append(after[dir], res.Plaintext...)
		}
		if res.ContentType == typeHandshake && len(res.Plaintext) > 0 && res.Plaintext[0] == typeKeyUpdate {
			updated[dir] = true
		}
	}
	if !updated[FromClient] || !updated[FromServer] {
		t.Fatalf("KeyUpdate seen from client %v, server %v", updated[FromClient], updated[FromServer])
	}
	checkInOrder(t, FromClient, after[FromClient], []string{"rcpt TO:<rcpt@example.net>\r\n", "DATA\r\n", "\r\n.\r\n", "quit\r\n"})
	checkInOrder(t, FromServer, after[FromServer], []string{"250 2.1.5 Ok\r\n", "354 ", "250 2.0.0 Ok: queued as", "221 2.0.0 Bye\r\n"})
}

// TestAlertsComeOutWithTheirContentType checks that the encrypted
// close_notify alerts of a TLS 1.3 and a TLS 1.2 capture come out as
// content type 21 with their two bytes, and TLS 1.3's handshake records
// as 22 (the integrator tells handshake from application data by it).
func TestAlertsComeOutWithTheirContentType(t *testing.T) {
	for _, name := range []string{"tls_kl_13_chacha_exim_msmtp.pcap", "tls_kl_12_cbcnoetm_exim_msmtp.pcap"} {
		c := NewConn(keysFor(t, name))
		tr := feed(c, captureRecords(t, name))
		if tr.byType[typeAlert] != 2 {
			t.Errorf("%s: %d decrypted alerts, want 2", name, tr.byType[typeAlert])
		}
		for _, res := range tr.results {
			if res.Decrypted && res.ContentType == typeAlert && !bytes.Equal(res.Plaintext, []byte{1, 0}) {
				t.Errorf("%s: alert %x, want close_notify 0100", name, res.Plaintext)
			}
		}
		if c.version == versionTLS13 && tr.byType[typeHandshake] == 0 {
			t.Errorf("%s: no decrypted handshake record", name)
		}
	}
}
