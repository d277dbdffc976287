package tlsdecrypt

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"testing"
)

// opensslClientLine is what s_client sends in the OpenSSL fixtures; s_server
// -rev answers it reversed.
const opensslClientLine = "MAIL FROM:<sender@example.org>\n"

// opensslFixture is a TLS 1.2 session recorded between openssl s_client and
// s_server 3.0 (gen_openssl_test.go), for suites and encrypt_then_mac
// choices the recorded SMTP captures and Go's crypto/tls do not cover.
type opensslFixture struct {
	name   string
	cipher string // OpenSSL cipher name
	suite  uint16
	ecdsa  bool // the server has an ECDSA certificate
	etm    bool // encrypt_then_mac is negotiated
}

var opensslFixtures = []opensslFixture{
	{"ecdhe_rsa_aes256_sha384_etm", "ECDHE-RSA-AES256-SHA384", 0xc028, false, true},
	{"ecdhe_rsa_aes256_sha384_noetm", "ECDHE-RSA-AES256-SHA384", 0xc028, false, false},
	{"ecdhe_ecdsa_aes256_sha384_etm", "ECDHE-ECDSA-AES256-SHA384", 0xc024, true, true},
	{"ecdhe_ecdsa_aes128_sha_etm", "ECDHE-ECDSA-AES128-SHA", 0xc009, true, true},
	{"rsa_aes256_sha256_etm", "AES256-SHA256", 0x003d, false, true},
	{"rsa_aes256_sha_noetm", "AES256-SHA", 0x0035, false, false},
	{"dhe_rsa_aes256_gcm_sha384", "DHE-RSA-AES256-GCM-SHA384", 0x009f, false, false},
	{"dhe_rsa_chacha20_poly1305", "DHE-RSA-CHACHA20-POLY1305", 0xccaa, false, false},
	{"dhe_rsa_aes128_sha256_etm", "DHE-RSA-AES128-SHA256", 0x0067, false, true},
}

// readFixtureChunks reads a .records fixture: chunks of a direction byte,
// a 4-byte big-endian length and the bytes.
func readFixtureChunks(t *testing.T, path string) []chunk {
	t.Helper()
	raw := readFile(t, path)
	var out []chunk
	for len(raw) > 0 {
		if len(raw) < 5 {
			t.Fatalf("%s: truncated", path)
		}
		n := int(binary.BigEndian.Uint32(raw[1:]))
		if len(raw) < 5+n {
			t.Fatalf("%s: truncated", path)
		}
		out = append(out, chunk{Direction(raw[0]), raw[5 : 5+n]})
		raw = raw[5+n:]
	}
	return out
}

// TestOpenSSLSessionsDecrypt decrypts TLS 1.2 sessions of openssl s_client
// and s_server for the suites nothing else records: AES-256-CBC with
// HMAC-SHA384 (PRF SHA-384) with and without encrypt_then_mac, the ECDSA
// and plain RSA variants, DHE_RSA with GCM, ChaCha20 and CBC. Each checks
// the suite and encrypt_then_mac the hellos chose, the client's line and
// the server's reversed echo.
func TestOpenSSLSessionsDecrypt(t *testing.T) {
	for _, fx := range opensslFixtures {
		t.Run(fx.name, func(t *testing.T) {
			base := filepath.Join("testdata", "openssl_"+fx.name)
			kl := NewKeyLog()
			if _, err := kl.Read(bytes.NewReader(readFile(t, base+".keys"))); err != nil || kl.Len() != 1 {
				t.Fatalf("key log: %d randoms, %v", kl.Len(), err)
			}
			c := NewConn(kl)
			tr := feed(c, splitRecords(t, readFixtureChunks(t, base+".records")))
			if c.State() != Decrypting || len(tr.errs) != 0 {
				t.Fatalf("state %s, errors %v", c.State(), tr.errs)
			}
			if c.suite != tls12Suites[fx.suite] {
				t.Errorf("suite is not 0x%04x's", fx.suite)
			}
			if p := c.dirs[FromClient].prot; p == nil || p.etm != fx.etm {
				t.Errorf("encrypt_then_mac: want %v", fx.etm)
			}
			if got := string(tr.app[FromClient]); got != opensslClientLine {
				t.Errorf("client sent %q, want %q", got, opensslClientLine)
			}
			rev := []byte(opensslClientLine[:len(opensslClientLine)-1])
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			if !bytes.Contains(tr.app[FromServer], rev) {
				t.Errorf("server sent %q, want its reversed line %q", tr.app[FromServer], rev)
			}
		})
	}
}
