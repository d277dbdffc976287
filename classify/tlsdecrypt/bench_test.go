package tlsdecrypt

import (
	"bytes"
	"testing"
)

// BenchmarkDecryptAES128GCM decrypts a 16 KB application data record with
// AES-128-GCM through Conn.Record, after the real handshake of a TLS 1.2
// (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) and a TLS 1.3
// (TLS_AES_128_GCM_SHA256) capture.
func BenchmarkDecryptAES128GCM(b *testing.B) {
	for _, bc := range []struct{ name, capture string }{
		{"TLS1.2", "tls_kl_12_gcm_postfix_msmtp.pcap"},
		{"TLS1.3", "tls_kl_13_gcm_exim_swaks.pcap"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := NewConn(keysFor(b, bc.capture))
			feed(c, captureRecords(b, bc.capture))
			d := &c.dirs[FromClient]
			if c.State() != Decrypting || d.prot == nil {
				b.Fatalf("state %s", c.State())
			}
			plain := bytes.Repeat([]byte("0123456789abcdef"), 1024)
			inner := plain
			if c.version == versionTLS13 {
				inner = append(append([]byte(nil), plain...), typeApplicationData)
			}
			rec := sealRecord(c, d, typeApplicationData, inner)
			seq := d.seq
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				d.seq = seq
				res, err := c.Record(FromClient, rec)
				if err != nil || !res.Decrypted || len(res.Plaintext) != len(plain) {
					b.Fatalf("%v, %d bytes", err, len(res.Plaintext))
				}
			}
		})
	}
}
