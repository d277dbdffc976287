//go:build tlsdecrypt_gen

package tlsdecrypt

// The OpenSSL fixtures (testdata/openssl_*.records and .keys) are TLS 1.2
// sessions between openssl s_client and s_server over the loopback,
// recorded through a relay. Regenerate them with
//
//	go test -tags tlsdecrypt_gen -run TestGenerateOpenSSLFixtures ./classify/tlsdecrypt

import (
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// writePEM writes a test certificate and its key as PEM files.
func writePEM(t *testing.T, dir, name string, useRSA bool) (certFile, keyFile string) {
	t.Helper()
	c := testCert(t, useRSA)
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestGenerateOpenSSLFixtures(t *testing.T) {
	tmp := t.TempDir()
	rsaCert, rsaKey := writePEM(t, tmp, "rsa", true)
	ecCert, ecKey := writePEM(t, tmp, "ec", false)
	for _, fx := range opensslFixtures {
		t.Run(fx.name, func(t *testing.T) {
			cert, key := rsaCert, rsaKey
			if fx.ecdsa {
				cert, key = ecCert, ecKey
			}
			serverAddr := freePort(t)
			args := []string{"s_server", "-accept", serverAddr, "-cert", cert, "-key", key, "-tls1_2",
				"-cipher", fx.cipher + ":@SECLEVEL=0", "-naccept", "1", "-rev", "-quiet", "-no_ticket"}
			if !fx.etm {
				args = append(args, "-no_etm")
			}
			srv := exec.Command("openssl", args...)
			srv.Stdout, srv.Stderr = io.Discard, os.Stderr
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				srv.Process.Kill()
				srv.Wait()
			}()
			time.Sleep(300 * time.Millisecond)

			relay, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer relay.Close()
			log := &chunkLog{}
			done := make(chan struct{})
			go func() {
				defer close(done)
				in, err := relay.Accept()
				if err != nil {
					return
				}
				out, err := net.Dial("tcp", serverAddr)
				if err != nil {
					in.Close()
					return
				}
				var wg sync.WaitGroup
				pump := func(dir Direction, from, to net.Conn) {
					defer wg.Done()
					buf := make([]byte, 65536)
					for {
						n, err := from.Read(buf)
						if n > 0 {
							log.mu.Lock()
							log.chunks = append(log.chunks, chunk{dir, append([]byte(nil), buf[:n]...)})
							log.mu.Unlock()
							to.Write(buf[:n])
						}
						if err != nil {
							to.(*net.TCPConn).CloseWrite()
							return
						}
					}
				}
				wg.Add(2)
				go pump(FromClient, in, out)
				go pump(FromServer, out, in)
				wg.Wait()
				in.Close()
				out.Close()
			}()

			keys := filepath.Join("testdata", "openssl_"+fx.name+".keys")
			cli := exec.Command("openssl", "s_client", "-connect", relay.Addr().String(), "-tls1_2",
				"-cipher", fx.cipher+":@SECLEVEL=0", "-keylogfile", keys, "-quiet", "-no_ign_eof")
			stdin, err := cli.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			cli.Stdout, cli.Stderr = io.Discard, os.Stderr
			if err := cli.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
			io.WriteString(stdin, opensslClientLine)
			time.Sleep(500 * time.Millisecond)
			stdin.Close()
			if err := cli.Wait(); err != nil {
				t.Fatal(err)
			}
			<-done
			var rec []byte
			for _, c := range log.chunks {
				rec = append(rec, byte(c.dir))
				rec = binary.BigEndian.AppendUint32(rec, uint32(len(c.data)))
				rec = append(rec, c.data...)
			}
			if err := os.WriteFile(filepath.Join("testdata", "openssl_"+fx.name+".records"), rec, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}
