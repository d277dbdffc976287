package classify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// recConn records the bytes written through a connection.
type recConn struct {
	net.Conn
	mu  sync.Mutex
	out []byte
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.out = append(c.out, p...)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.test", Organization: []string{"Esaflow Test"}},
		NotBefore:    time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0),
		DNSNames: []string{"mx.test"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// goTLSHandshake runs Go's TLS client and server against each other and returns
// the bytes each sent.
func goTLSHandshake(t *testing.T, server, client *tls.Config) (fromClient, fromServer []byte) {
	t.Helper()
	a, b := net.Pipe()
	ca, sb := &recConn{Conn: a}, &recConn{Conn: b}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := tls.Server(sb, server)
		if s.Handshake() == nil {
			s.Write([]byte("hello"))
		}
		sb.Conn.Close() // not s.Close: its close_notify would wait for a reader
	}()
	c := tls.Client(ca, client)
	if c.Handshake() == nil {
		buf := make([]byte, 5)
		c.Read(buf)
	}
	ca.Conn.Close()
	<-done
	return ca.out, sb.out
}

// feedSplit feeds b to a new tlsStream in pieces of n bytes.
func feedSplit(b []byte, n int) tlsStream {
	ts := newTLSStream()
	for len(b) > 0 {
		k := min(n, len(b))
		ts.feed(b[:k])
		b = b[k:]
	}
	return ts
}

func TestTLS12ServerHelloAndCertificateAcrossSegments(t *testing.T) {
	cert := testCert(t)
	_, srv := goTLSHandshake(t,
		&tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12},
		&tls.Config{InsecureSkipVerify: true})
	for _, n := range []int{1, 3, 5, 7, 100, 1448, len(srv)} {
		ts := feedSplit(srv, n)
		if !ts.serverHello || tlsVersionName(ts.version) != "TLSv1.2" || !strings.HasPrefix(cipherName(ts.cipher), "TLS_ECDHE_ECDSA_WITH_") {
			t.Fatalf("split %d: hello %v version %s cipher %s", n, ts.serverHello, tlsVersionName(ts.version), cipherName(ts.cipher))
		}
		if ts.certSubject != "CN=mx.test,O=Esaflow Test" || ts.certIss != ts.certSubject {
			t.Fatalf("split %d: subject %q issuer %q", n, ts.certSubject, ts.certIss)
		}
		if ts.alertDesc != -1 || ts.broken || ts.clear {
			t.Fatalf("split %d: alert %d broken %v still clear %v", n, ts.alertDesc, ts.broken, ts.clear)
		}
	}
}

func TestTLS13HidesTheCertificate(t *testing.T) {
	_, srv := goTLSHandshake(t,
		&tls.Config{Certificates: []tls.Certificate{testCert(t)}},
		&tls.Config{InsecureSkipVerify: true})
	ts := feedSplit(srv, 512)
	if tlsVersionName(ts.version) != "TLSv1.3" || !strings.HasPrefix(cipherName(ts.cipher), "TLS_AES_") && !strings.HasPrefix(cipherName(ts.cipher), "TLS_CHACHA20") {
		t.Fatalf("version %s cipher %s", tlsVersionName(ts.version), cipherName(ts.cipher))
	}
	if ts.certSubject != "" || ts.alertDesc != -1 {
		t.Errorf("TLS 1.3: subject %q alert %d", ts.certSubject, ts.alertDesc)
	}
}

func TestTLSVersionMismatchAlert(t *testing.T) {
	cli, srv := goTLSHandshake(t,
		&tls.Config{Certificates: []tls.Certificate{testCert(t)}, MinVersion: tls.VersionTLS13},
		&tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12})
	ts := feedSplit(srv, 1)
	if ts.serverHello || alertName(ts.alertDesc) != "protocol_version" {
		t.Errorf("server: hello %v alert %s", ts.serverHello, alertName(ts.alertDesc))
	}
	if c := feedSplit(cli, 64); c.alertDesc != -1 || c.records != 1 {
		t.Errorf("client: alert %d records %d", c.alertDesc, c.records)
	}
}

func TestClientRejectsCertificateAlert(t *testing.T) {
	cli, _ := goTLSHandshake(t,
		&tls.Config{Certificates: []tls.Certificate{testCert(t)}, MaxVersion: tls.VersionTLS12},
		&tls.Config{ServerName: "mx.test"}) // verifies, and the self-signed certificate fails
	c := feedSplit(cli, 9)
	if name := alertName(c.alertDesc); name != "bad_certificate" && name != "unknown_ca" {
		t.Errorf("client alert %q", name)
	}
}

func FuzzTLSStream(f *testing.F) {
	f.Add([]byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, uint8(1))
	f.Add([]byte{21, 3, 1, 0, 2, 2, 70}, uint8(3))
	f.Add([]byte{22, 3, 3, 0, 10, 11, 0, 0, 6, 0, 0, 3, 0, 0, 1}, uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		ts := feedSplit(data, int(split)+1)
		if len(ts.hs) > maxHandshake {
			t.Fatalf("kept %d handshake bytes", len(ts.hs))
		}
	})
}
