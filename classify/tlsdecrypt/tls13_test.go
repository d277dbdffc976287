package tlsdecrypt

import (
	"errors"
	"testing"
)

// TestTLS13PaddedRecordAndRecordWithoutContentType seals, after a real
// TLS 1.3 session, a record with zero padding after its content type and
// one of zeros only: the first comes out without the padding, the second
// is ErrMalformed yet counts in the sequence, so the record after it
// still decrypts.
func TestTLS13PaddedRecordAndRecordWithoutContentType(t *testing.T) {
	const name = "tls_kl_13_chacha_exim_msmtp.pcap"
	c := NewConn(keysFor(t, name))
	feed(c, captureRecords(t, name))
	d := &c.dirs[FromServer]
	padded := append([]byte("250 OK\r\n"), typeApplicationData, 0, 0, 0, 0, 0, 0, 0)
	res, err := c.Record(FromServer, sealRecord(c, d, typeApplicationData, padded))
	if err != nil || !res.Decrypted || res.ContentType != typeApplicationData || string(res.Plaintext) != "250 OK\r\n" {
		t.Fatalf("padded record: %+v, %v", res, err)
	}
	res, err = c.Record(FromServer, sealRecord(c, d, typeApplicationData, make([]byte, 9)))
	if !errors.Is(err, ErrMalformed) || res.Decrypted || c.State() != Decrypting {
		t.Fatalf("zeros only: %+v, %v, state %s", res, err, c.State())
	}
	res, err = c.Record(FromServer, sealRecord(c, d, typeApplicationData, []byte{1, 0, typeAlert}))
	if err != nil || res.ContentType != typeAlert || string(res.Plaintext) != "\x01\x00" {
		t.Fatalf("record after: %+v, %v", res, err)
	}
}

// TestTLS12EncryptedChangeCipherSpecIsRenegotiation seals a
// ChangeCipherSpec under a TLS 1.2 session's keys: its keys would come from
// a renegotiation this package does not follow, so the state becomes
// Unsupported.
func TestTLS12EncryptedChangeCipherSpecIsRenegotiation(t *testing.T) {
	const name = "tls_kl_12_gcm_postfix_msmtp.pcap"
	c := NewConn(keysFor(t, name))
	feed(c, captureRecords(t, name))
	res, err := c.Record(FromClient, sealRecord(c, &c.dirs[FromClient], typeChangeCipherSpec, []byte{1}))
	if !errors.Is(err, ErrUnsupported) || !res.Decrypted || c.State() != Unsupported {
		t.Fatalf("%+v, %v, state %s", res, err, c.State())
	}
}
