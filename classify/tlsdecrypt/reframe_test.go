package tlsdecrypt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// makeRecord builds a record of type typ around body.
func makeRecord(typ uint8, body []byte) []byte {
	rec := []byte{typ, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(rec[3:], uint16(len(body)))
	return append(rec, body...)
}

// clearHandshake reports, for each record, whether it is a handshake
// record sent in clear: before its direction's first ChangeCipherSpec
// (TLS 1.2's Finished is encrypted under the handshake type), or in any
// case for TLS 1.3, where protected records are application_data.
func clearHandshake(recs []wireRecord) []bool {
	var ccs [2]bool
	out := make([]bool, len(recs))
	for i, r := range recs {
		if r.rec[0] == typeChangeCipherSpec {
			ccs[r.dir] = true
		}
		out[i] = r.rec[0] == typeHandshake && !ccs[r.dir]
	}
	return out
}

// splitHandshake cuts every clear handshake record into records of at
// most n body bytes.
func splitHandshake(recs []wireRecord, n int) []wireRecord {
	var out []wireRecord
	for i, clear := range clearHandshake(recs) {
		r := recs[i]
		if !clear {
			out = append(out, r)
			continue
		}
		for body := r.rec[recordHeaderLen:]; len(body) > 0; {
			k := min(n, len(body))
			out = append(out, wireRecord{r.dir, makeRecord(typeHandshake, body[:k])})
			body = body[k:]
		}
	}
	return out
}

// mergeHandshake joins consecutive clear handshake records of one
// direction into one record.
func mergeHandshake(recs []wireRecord) []wireRecord {
	var out []wireRecord
	clear := clearHandshake(recs)
	for i := 0; i < len(recs); i++ {
		if !clear[i] {
			out = append(out, recs[i])
			continue
		}
		body := append([]byte(nil), recs[i].rec[recordHeaderLen:]...)
		for i+1 < len(recs) && clear[i+1] && recs[i+1].dir == recs[i].dir {
			i++
			body = append(body, recs[i].rec[recordHeaderLen:]...)
		}
		out = append(out, wireRecord{recs[i].dir, makeRecord(typeHandshake, body)})
	}
	return out
}

// TestHelloSplitAcrossRecordsAndMessagesSharingRecords re-frames every
// capture's handshake in clear: each handshake record cut into 7-byte
// records (a ClientHello and ServerHello over dozens of records), then
// each run of handshake records of one side joined into one (ServerHello,
// Certificate, ServerKeyExchange and ServerHelloDone in a record). Both
// decrypt the same application data as the capture as recorded.
func TestHelloSplitAcrossRecordsAndMessagesSharingRecords(t *testing.T) {
	for _, name := range keyLoggedCaptures {
		kl := keysFor(t, name)
		recs := captureRecords(t, name)
		want := feed(NewConn(kl), recs)
		for what, reframed := range map[string][]wireRecord{
			"split":  splitHandshake(recs, 7),
			"merged": mergeHandshake(recs),
		} {
			c := NewConn(kl)
			got := feed(c, reframed)
			if c.State() != Decrypting || len(got.errs) != 0 {
				t.Errorf("%s %s: state %s, errors %v", name, what, c.State(), got.errs)
				continue
			}
			for dir := range 2 {
				if !bytes.Equal(got.app[dir], want.app[dir]) {
					t.Errorf("%s %s: %s data differs", name, what, Direction(dir))
				}
			}
		}
	}
}

// TestTamperedRecordFailsOnlyItsDirection flips a bit in the client's
// second application data record of a capture of each record protection:
// that record fails authentication, the state is Failed, the client's
// later records are not decrypted, and the server's still are, to the
// end of its dialogue.
func TestTamperedRecordFailsOnlyItsDirection(t *testing.T) {
	for _, name := range []string{
		"tls_kl_12_gcm_postfix_msmtp.pcap",
		"tls_kl_12_chacha_exim_swaks.pcap",
		"tls_kl_12_cbc_postfix_python.pcap",
		"tls_kl_12_cbcnoetm_exim_msmtp.pcap",
		"tls_kl_13_gcm_exim_swaks.pcap",
		"tls_kl_13_chacha_exim_msmtp.pcap",
	} {
		kl := keysFor(t, name)
		recs := captureRecords(t, name)
		want := feed(NewConn(kl), recs)
		target, seen := -1, 0
		for i, r := range want.results {
			if recs[i].dir == FromClient && r.Decrypted && r.ContentType == typeApplicationData {
				if seen++; seen == 2 {
					target = i
					break
				}
			}
		}
		tampered := append([]wireRecord(nil), recs...)
		rec := append([]byte(nil), recs[target].rec...)
		rec[len(rec)/2] ^= 0x20
		tampered[target].rec = rec
		c := NewConn(kl)
		got := feed(c, tampered)
		if c.State() != Failed || len(got.errs) != 1 || !errors.Is(got.firstError[target], ErrAuthentication) {
			t.Errorf("%s: state %s, errors %v; want failed and one authentication error at record %d", name, c.State(), got.errs, target)
			continue
		}
		for i := target; i < len(recs); i++ {
			if recs[i].dir == FromClient && got.results[i].Decrypted {
				t.Errorf("%s: client record %d decrypted after the failure", name, i)
			}
		}
		if !bytes.Equal(got.app[FromServer], want.app[FromServer]) {
			t.Errorf("%s: the server's data stopped with the client's failure", name)
		}
	}
}

// TestTruncatedEncryptedRecordFailsAuthentication feeds, after a TLS 1.2
// and a TLS 1.3 handshake, a client record too short to hold a tag: it
// cannot be authenticated.
func TestTruncatedEncryptedRecordFailsAuthentication(t *testing.T) {
	for _, name := range []string{"tls_kl_12_gcm_postfix_msmtp.pcap", "tls_kl_12_cbc_postfix_python.pcap", "tls_kl_13_gcm_exim_swaks.pcap"} {
		c := NewConn(keysFor(t, name))
		feed(c, captureRecords(t, name))
		_, err := c.Record(FromClient, makeRecord(typeApplicationData, []byte{1, 2, 3}))
		if !errors.Is(err, ErrAuthentication) || c.State() != Failed {
			t.Errorf("%s: %v, state %s; want an authentication failure", name, err, c.State())
		}
	}
}
