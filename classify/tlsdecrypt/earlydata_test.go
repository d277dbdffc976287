package tlsdecrypt

import (
	"bytes"
	"errors"
	"testing"
)

// withEarlyData inserts two application_data records from the client,
// which no key of the log opens, right after the ClientHello and right
// after the ServerHello: what 0-RTT data looks like on the wire.
func withEarlyData(recs []wireRecord) []wireRecord {
	junk := func(n byte) wireRecord {
		return wireRecord{FromClient, makeRecord(typeApplicationData, bytes.Repeat([]byte{n}, 40))}
	}
	var out []wireRecord
	for i, r := range recs {
		out = append(out, r)
		if i == 0 || (r.dir == FromServer && r.rec[0] == typeHandshake && r.rec[recordHeaderLen] == typeServerHello) {
			out = append(out, junk(byte(i)))
		}
	}
	return out
}

// TestRejectedEarlyDataIsSkippedWhenOffered feeds a TLS 1.3 capture with
// 0-RTT-like client records inserted: when the ClientHello offered early
// data they come back undecrypted without error and the session decrypts
// as recorded; when it did not, the first one fails authentication.
func TestRejectedEarlyDataIsSkippedWhenOffered(t *testing.T) {
	const name = "tls_kl_13_gcm_exim_swaks.pcap"
	kl := keysFor(t, name)
	recs := captureRecords(t, name)
	want := feed(NewConn(kl), recs)
	early := withEarlyData(recs)

	c := NewConn(kl)
	if _, err := c.Record(early[0].dir, early[0].rec); err != nil {
		t.Fatal(err)
	}
	c.client.earlyData = true // as if the ClientHello carried the early_data extension
	got := feed(c, early[1:])
	if c.State() != Decrypting || len(got.errs) != 0 {
		t.Fatalf("early data offered: state %s, errors %v", c.State(), got.errs)
	}
	if !bytes.Equal(got.app[FromClient], want.app[FromClient]) || !bytes.Equal(got.app[FromServer], want.app[FromServer]) {
		t.Error("early data offered: the session did not decrypt as recorded")
	}

	c = NewConn(kl)
	got = feed(c, early)
	if c.State() != Failed || len(got.errs) != 1 || !errors.Is(got.errs[0], ErrAuthentication) {
		t.Fatalf("early data not offered: state %s, errors %v", c.State(), got.errs)
	}
}
