package tlsdecrypt

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// testRandom is the client random of the hand-built hellos.
var testRandom = bytes.Repeat([]byte{0x5a}, randomLen)

// handshakeMsg frames a handshake message body.
func handshakeMsg(typ uint8, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// extension frames one hello extension.
func extension(typ uint16, data []byte) []byte {
	return append([]byte{byte(typ >> 8), byte(typ), byte(len(data) >> 8), byte(len(data))}, data...)
}

// clientHelloRecord builds a ClientHello record with exts.
func clientHelloRecord(exts ...[]byte) []byte {
	body := []byte{3, 3}
	body = append(body, testRandom...)
	body = append(body, 0)                // session id
	body = append(body, 0, 2, 0x13, 0x01) // cipher suites
	body = append(body, 1, 0)             // compression
	all := bytes.Join(exts, nil)
	body = append(body, byte(len(all)>>8), byte(len(all)))
	body = append(body, all...)
	return makeRecord(typeHandshake, handshakeMsg(typeClientHello, body))
}

// serverHelloRecord builds a ServerHello record choosing legacy version
// legacy and suite, with exts.
func serverHelloRecord(legacy, suite uint16, exts ...[]byte) []byte {
	body := []byte{byte(legacy >> 8), byte(legacy)}
	body = append(body, bytes.Repeat([]byte{0x33}, randomLen)...)
	body = append(body, 0, byte(suite>>8), byte(suite), 0)
	if len(exts) > 0 {
		all := bytes.Join(exts, nil)
		body = append(body, byte(len(all)>>8), byte(len(all)))
		body = append(body, all...)
	}
	return makeRecord(typeHandshake, handshakeMsg(typeServerHello, body))
}

// testKeyLog holds TLS 1.2 and 1.3 secrets for testRandom.
func testKeyLog(t *testing.T) *KeyLog {
	t.Helper()
	r := strings.Repeat("5a", randomLen)
	text := "CLIENT_RANDOM " + r + " " + strings.Repeat("01", masterSecretLen) + "\n"
	for _, l := range []string{labelClientHandshake, labelServerHandshake, labelClientTraffic0, labelServerTraffic0} {
		text += l + " " + r + " " + strings.Repeat("02", 32) + "\n"
	}
	kl := NewKeyLog()
	if n, err := kl.Read(strings.NewReader(text)); n != 5 || err != nil {
		t.Fatalf("key log: %d, %v", n, err)
	}
	return kl
}

// TestSMTPInsteadOfTLSIsNotTLS feeds a plain SMTP line where the
// ClientHello should be: NotTLS, ErrNotTLS, and nothing more is looked at.
func TestSMTPInsteadOfTLSIsNotTLS(t *testing.T) {
	c := NewConn(testKeyLog(t))
	if _, err := c.Record(FromClient, []byte("EHLO client.example.org\r\n")); !errors.Is(err, ErrNotTLS) || c.State() != NotTLS {
		t.Fatalf("%v, state %s", err, c.State())
	}
	if _, err := c.Record(FromClient, clientHelloRecord()); err != nil || c.State() != NotTLS {
		t.Fatalf("after NotTLS: %v, state %s", err, c.State())
	}
}

// TestServerRecordBeforeClientHelloIsNotTLS feeds a server record, then
// an alert from the client, as the first record of a connection.
func TestServerRecordBeforeClientHelloIsNotTLS(t *testing.T) {
	for _, first := range []struct {
		dir Direction
		rec []byte
	}{
		{FromServer, serverHelloRecord(versionTLS12, 0xc02f)},
		{FromClient, makeRecord(typeAlert, []byte{2, 40})},
	} {
		c := NewConn(testKeyLog(t))
		if _, err := c.Record(first.dir, first.rec); !errors.Is(err, ErrNotTLS) || c.State() != NotTLS {
			t.Errorf("%s record type %d first: %v, state %s", first.dir, first.rec[0], err, c.State())
		}
	}
}

// TestMalformedHelloIsNotTLS feeds a whole ClientHello message too short
// to hold a random, and a ServerHello whose supported_versions extension
// is one byte: both are NotTLS, the error wrapping ErrNotTLS.
func TestMalformedHelloIsNotTLS(t *testing.T) {
	short := makeRecord(typeHandshake, handshakeMsg(typeClientHello, []byte{3, 3, 1, 2}))
	c := NewConn(testKeyLog(t))
	if _, err := c.Record(FromClient, short); !errors.Is(err, ErrNotTLS) || !errors.Is(err, ErrMalformed) || c.State() != NotTLS {
		t.Errorf("short ClientHello: %v, state %s", err, c.State())
	}
	c = NewConn(testKeyLog(t))
	if _, err := c.Record(FromClient, clientHelloRecord()); err != nil {
		t.Fatal(err)
	}
	bad := serverHelloRecord(versionTLS12, 0xc02f, extension(extSupportedVersions, []byte{3}))
	if _, err := c.Record(FromServer, bad); !errors.Is(err, ErrNotTLS) || c.State() != NotTLS {
		t.Errorf("bad ServerHello: %v, state %s", err, c.State())
	}
}

// TestUnsupportedVersionsAndSuites feeds ServerHellos choosing TLS 1.1,
// TLS 1.0, a TLS 1.3 CCM suite and TLS 1.2 3DES: Unsupported, with
// ErrUnsupported, and later records come back undecrypted without error.
func TestUnsupportedVersionsAndSuites(t *testing.T) {
	for what, sh := range map[string][]byte{
		"TLS 1.1":                   serverHelloRecord(0x0302, 0x002f),
		"TLS 1.0":                   serverHelloRecord(0x0301, 0x002f),
		"TLS_AES_128_CCM_SHA256":    serverHelloRecord(versionTLS12, 0x1304, extension(extSupportedVersions, []byte{3, 4})),
		"TLS_RSA_WITH_3DES_EDE_CBC": serverHelloRecord(versionTLS12, 0x000a),
		"TLS 1.3 draft (0x7f1c)":    serverHelloRecord(versionTLS12, 0x1301, extension(extSupportedVersions, []byte{0x7f, 0x1c})),
	} {
		c := NewConn(testKeyLog(t))
		if _, err := c.Record(FromClient, clientHelloRecord()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Record(FromServer, sh); !errors.Is(err, ErrUnsupported) || c.State() != Unsupported {
			t.Errorf("%s: %v, state %s", what, err, c.State())
		}
		res, err := c.Record(FromServer, makeRecord(typeApplicationData, make([]byte, 40)))
		if err != nil || res.Decrypted || res.ContentType != typeApplicationData {
			t.Errorf("%s: later record %+v, %v", what, res, err)
		}
	}
}

// TestHelloRetryRequestWaitsForTheRealServerHello feeds a ClientHello, a
// HelloRetryRequest, a second ClientHello and a ServerHello: the state is
// Pending until the last, which sets the TLS 1.3 keys up.
func TestHelloRetryRequestWaitsForTheRealServerHello(t *testing.T) {
	c := NewConn(testKeyLog(t))
	v13 := extension(extSupportedVersions, []byte{3, 4})
	hrr := serverHelloRecord(versionTLS12, 0x1301, v13)
	copy(hrr[recordHeaderLen+4+2:], helloRetryRandom[:])
	steps := []struct {
		dir  Direction
		rec  []byte
		want State
	}{
		{FromClient, clientHelloRecord(), Pending},
		{FromServer, hrr, Pending},
		{FromServer, makeRecord(typeChangeCipherSpec, []byte{1}), Pending},
		{FromClient, makeRecord(typeChangeCipherSpec, []byte{1}), Pending},
		{FromClient, clientHelloRecord(), Pending},
		{FromServer, serverHelloRecord(versionTLS12, 0x1301, v13), Decrypting},
	}
	for i, s := range steps {
		if _, err := c.Record(s.dir, s.rec); err != nil || c.State() != s.want {
			t.Fatalf("step %d: %v, state %s, want %s", i, err, c.State(), s.want)
		}
	}
	if c.version != versionTLS13 || c.dirs[FromServer].prot == nil || c.dirs[FromServer].phase != phaseHandshake {
		t.Fatal("TLS 1.3 handshake keys not set up")
	}
}

// TestRecordHeaderMismatchIsMalformed feeds, after a handshake, records
// whose header lies about the length or the version, and one with no
// header at all, and a record in an invalid direction: errors, and the
// state stays Decrypting.
func TestRecordHeaderMismatchIsMalformed(t *testing.T) {
	c := NewConn(testKeyLog(t))
	for _, r := range []wireRecord{{FromClient, clientHelloRecord()}, {FromServer, serverHelloRecord(versionTLS12, 0xc02f)}} {
		if _, err := c.Record(r.dir, r.rec); err != nil {
			t.Fatal(err)
		}
	}
	long := makeRecord(typeApplicationData, make([]byte, 30))
	for what, rec := range map[string][]byte{
		"length":  long[:20],
		"version": append([]byte{23, 2, 0}, long[3:]...),
		"type":    append([]byte{99}, long[1:]...),
		"header":  {23, 3},
	} {
		if _, err := c.Record(FromClient, rec); !errors.Is(err, ErrMalformed) || c.State() != Decrypting {
			t.Errorf("%s: %v, state %s", what, err, c.State())
		}
	}
	if _, err := c.Record(Direction(7), long); err == nil {
		t.Error("direction 7 accepted")
	}
}

// TestTLS13SecretOfTheWrongSizeFails gives TLS_AES_256_GCM_SHA384 secrets
// of 32 bytes (SHA-256's size): they cannot be the session's, and the
// state is Failed.
func TestTLS13SecretOfTheWrongSizeFails(t *testing.T) {
	c := NewConn(testKeyLog(t))
	if _, err := c.Record(FromClient, clientHelloRecord()); err != nil {
		t.Fatal(err)
	}
	_, err := c.Record(FromServer, serverHelloRecord(versionTLS12, 0x1302, extension(extSupportedVersions, []byte{3, 4})))
	if !errors.Is(err, ErrAuthentication) || c.State() != Failed {
		t.Fatalf("%v, state %s", err, c.State())
	}
}

// TestDirectionAndStateNames checks the String methods.
func TestDirectionAndStateNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{FromClient.String(), "client"}, {FromServer.String(), "server"}, {Direction(9).String(), "direction(9)"},
		{Pending.String(), "pending"}, {NoKeys.String(), "no-keys"}, {Decrypting.String(), "decrypting"},
		{Failed.String(), "failed"}, {NotTLS.String(), "not-tls"}, {Unsupported.String(), "unsupported"},
		{State(42).String(), "state(42)"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}
