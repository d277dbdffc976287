//go:debug tlsrsakex=1

package tlsdecrypt

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// memPipe is one direction of an in-memory connection with an unbounded
// buffer, so that both sides may write at once.
type memPipe struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    bytes.Buffer
	closed bool
}

func newMemPipe() *memPipe {
	p := &memPipe{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// memConn is one end of an in-memory connection; every Write is also
// logged, with its direction, in the shared chunk log.
type memConn struct {
	in, out *memPipe
	dir     Direction
	log     *chunkLog
}

// chunkLog keeps the writes of both ends in the order they were made.
type chunkLog struct {
	mu     sync.Mutex
	chunks []chunk
}

func (c *memConn) Read(b []byte) (int, error) {
	p := c.in
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.buf.Len() == 0 && !p.closed {
		p.cond.Wait()
	}
	if p.buf.Len() == 0 {
		return 0, io.EOF
	}
	return p.buf.Read(b)
}

func (c *memConn) Write(b []byte) (int, error) {
	c.log.mu.Lock()
	c.log.chunks = append(c.log.chunks, chunk{c.dir, append([]byte(nil), b...)})
	c.log.mu.Unlock()
	p := c.out
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, io.ErrClosedPipe
	}
	p.buf.Write(b)
	p.cond.Broadcast()
	return len(b), nil
}

// Close ends this end's writing only, so that the peer may still send
// its close_notify (which nobody reads).
func (c *memConn) Close() error {
	p := c.out
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}

func (c *memConn) LocalAddr() net.Addr              { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr{} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

// testCert makes a self-signed certificate with a new key of the kind
// asked for.
func testCert(t testing.TB, useRSA bool) tls.Certificate {
	t.Helper()
	var key crypto.Signer
	var err error
	if useRSA {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.example.net"},
		DNSNames:     []string{"mx.example.net"},
		NotBefore:    time.Unix(1700000000, 0),
		NotAfter:     time.Unix(4100000000, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// goSession is a TLS session Go's crypto/tls ran in memory: the records of
// both directions, the key log its client wrote and what each side sent.
type goSession struct {
	records    []wireRecord
	keyLog     []byte
	fromClient []byte
	fromServer []byte
}

// runGoSession runs one TLS session between a crypto/tls client and
// server: the client sends a 40 KB message, the server answers with a
// line, and both send close_notify.
func runGoSession(t *testing.T, client, server *tls.Config) goSession {
	t.Helper()
	var keyLog bytes.Buffer
	client = client.Clone()
	client.KeyLogWriter = &keyLog
	client.InsecureSkipVerify = true
	log := &chunkLog{}
	c2s, s2c := newMemPipe(), newMemPipe()
	cc := &memConn{in: s2c, out: c2s, dir: FromClient, log: log}
	sc := &memConn{in: c2s, out: s2c, dir: FromServer, log: log}
	s := goSession{
		fromClient: bytes.Repeat([]byte("MAIL FROM:<sender@example.org>\r\n"), 1280),
		fromServer: []byte("250 2.0.0 Ok: queued as 4AB2C3\r\n"),
	}
	var wg sync.WaitGroup
	var serverErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer sc.Close()
		srv := tls.Server(sc, server)
		got := make([]byte, len(s.fromClient))
		if _, serverErr = io.ReadFull(srv, got); serverErr != nil {
			return
		}
		if _, serverErr = srv.Write(s.fromServer); serverErr != nil {
			return
		}
		serverErr = srv.Close()
	}()
	cli := tls.Client(cc, client)
	_, err := cli.Write(s.fromClient)
	if err == nil {
		got := make([]byte, len(s.fromServer))
		_, err = io.ReadFull(cli, got)
	}
	cli.Close()
	wg.Wait()
	if err != nil || serverErr != nil {
		t.Fatalf("session: client %v, server %v", err, serverErr)
	}
	s.records = splitRecords(t, log.chunks)
	s.keyLog = keyLog.Bytes()
	return s
}

// checkGoSession decrypts a Go session and compares each side's
// application data with what it sent.
func checkGoSession(t *testing.T, s goSession) transcript {
	t.Helper()
	kl := NewKeyLog()
	if _, err := kl.Read(bytes.NewReader(s.keyLog)); err != nil || kl.Len() != 1 {
		t.Fatalf("key log: %d randoms, %v: %q", kl.Len(), err, s.keyLog)
	}
	c := NewConn(kl)
	tr := feed(c, s.records)
	if c.State() != Decrypting || len(tr.errs) != 0 {
		t.Fatalf("state %s, errors %v", c.State(), tr.errs)
	}
	if !bytes.Equal(tr.app[FromClient], s.fromClient) {
		t.Errorf("client data: %d bytes decrypted, %d sent", len(tr.app[FromClient]), len(s.fromClient))
	}
	if !bytes.Equal(tr.app[FromServer], s.fromServer) {
		t.Errorf("server data %q, sent %q", tr.app[FromServer], s.fromServer)
	}
	if !bytes.Equal(tr.alerts[FromClient], []byte{0}) || !bytes.Equal(tr.alerts[FromServer], []byte{0}) {
		t.Errorf("alerts %v, want one close_notify a side", tr.alerts)
	}
	return tr
}

// TestGoTLS12SessionsDecryptEverySuiteGoOffers runs a TLS 1.2 session
// with crypto/tls for every suite of the table Go implements (RSA,
// ECDHE_RSA and ECDHE_ECDSA key exchanges; AES-GCM, ChaCha20-Poly1305 and
// AES-CBC with HMAC-SHA1 or -SHA256, MAC-then-encrypt as Go offers no
// encrypt_then_mac) and decrypts it.
func TestGoTLS12SessionsDecryptEverySuiteGoOffers(t *testing.T) {
	rsaCert, ecCert := testCert(t, true), testCert(t, false)
	var suites []uint16
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if tls12Suites[cs.ID] != nil && supportsTLS12(cs) {
			suites = append(suites, cs.ID)
		}
	}
	if len(suites) < 15 {
		t.Fatalf("only %d of the table's suites in crypto/tls", len(suites))
	}
	for _, id := range suites {
		t.Run(tls.CipherSuiteName(id), func(t *testing.T) {
			cert := rsaCert
			if isECDSASuite(id) {
				cert = ecCert
			}
			cfg := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{id}}
			srv := cfg.Clone()
			srv.Certificates = []tls.Certificate{cert}
			s := runGoSession(t, cfg, srv)
			checkGoSession(t, s)
		})
	}
}

// supportsTLS12 reports whether a crypto/tls suite works in TLS 1.2.
func supportsTLS12(cs *tls.CipherSuite) bool {
	for _, v := range cs.SupportedVersions {
		if v == tls.VersionTLS12 {
			return true
		}
	}
	return false
}

// isECDSASuite reports whether a suite needs an ECDSA certificate.
func isECDSASuite(id uint16) bool {
	switch id {
	case 0xc02b, 0xc02c, 0xcca9, 0xc009, 0xc00a, 0xc023, 0xc024:
		return true
	}
	return false
}

// TestGoTLS13HelloRetryRequestThenDecrypt runs a TLS 1.3 session whose
// server accepts only P-256, which Go's client does not send a key share
// for: a HelloRetryRequest, a second ClientHello and the real ServerHello
// follow, and the session still decrypts.
func TestGoTLS13HelloRetryRequestThenDecrypt(t *testing.T) {
	srv := &tls.Config{Certificates: []tls.Certificate{testCert(t, false)}, CurvePreferences: []tls.CurveID{tls.CurveP256}}
	s := runGoSession(t, &tls.Config{MinVersion: tls.VersionTLS13}, srv)
	hellos := 0
	for _, r := range s.records {
		if r.dir == FromServer && r.rec[0] == typeHandshake && r.rec[recordHeaderLen] == typeServerHello {
			hellos++
		}
	}
	if hellos != 2 {
		t.Fatalf("%d ServerHellos, want a HelloRetryRequest and a ServerHello", hellos)
	}
	checkGoSession(t, s)
}

// TestGoTLS13ClientCertificateThenDecrypt runs a TLS 1.3 session where the
// server asks for a client certificate: the client's handshake flight
// (Certificate, CertificateVerify, Finished) is longer, and its
// application keys still start after its Finished.
func TestGoTLS13ClientCertificateThenDecrypt(t *testing.T) {
	srv := &tls.Config{Certificates: []tls.Certificate{testCert(t, false)}, ClientAuth: tls.RequireAnyClientCert}
	cli := &tls.Config{Certificates: []tls.Certificate{testCert(t, false)}}
	tr := checkGoSession(t, runGoSession(t, cli, srv))
	if want := []byte{11, 15, 20}; !bytes.Equal(tr.hsTypes[FromClient], want) {
		t.Errorf("client handshake messages %v, want %v", tr.hsTypes[FromClient], want)
	}
}

// TestGoResumedSessionsDecrypt resumes a TLS 1.2 session (abbreviated
// handshake: the server's ChangeCipherSpec and Finished come first) and a
// TLS 1.3 one (PSK), each decrypted with its own key log line. Go logs no
// line for a resumed TLS 1.2 session, so the test writes the one OpenSSL
// and GnuTLS would: the new client random with the resumed master secret.
func TestGoResumedSessionsDecrypt(t *testing.T) {
	cert := testCert(t, false)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cli := &tls.Config{MinVersion: version, MaxVersion: version, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
		srv := &tls.Config{MinVersion: version, MaxVersion: version, Certificates: []tls.Certificate{cert}}
		first := runGoSession(t, cli, srv)
		checkGoSession(t, first)
		s := runGoSession(t, cli, srv)
		for _, r := range s.records {
			if r.dir == FromServer && r.rec[0] == typeHandshake && bytes.Contains(r.rec, cert.Certificate[0][:64]) {
				t.Fatalf("TLS version %x: the session was not resumed", version)
			}
		}
		if version == tls.VersionTLS12 {
			master := bytes.Fields(first.keyLog)[2]
			random := hex.EncodeToString(s.records[0].rec[recordHeaderLen+4+2:][:randomLen])
			s.keyLog = fmt.Appendf(nil, "CLIENT_RANDOM %s %s\n", random, master)
		}
		tr := checkGoSession(t, s)
		if version == tls.VersionTLS13 && bytes.IndexByte(tr.hsTypes[FromServer], 11) >= 0 {
			t.Fatalf("TLS 1.3 session was not resumed: the server sent a Certificate")
		}
	}
}
