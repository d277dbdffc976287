package tlsdecrypt

import (
	"encoding/binary"
	"testing"
)

// fuzzBases are the captures whose handshakes FuzzRecord starts from.
var fuzzBases = []string{
	"tls_kl_12_gcm_postfix_msmtp.pcap",
	"tls_kl_12_cbc_postfix_python.pcap",
	"tls_kl_12_cbcnoetm_exim_msmtp.pcap",
	"tls_kl_12_chacha_exim_swaks.pcap",
	"tls_kl_13_chacha_exim_msmtp.pcap",
	"tls_kl_13_keyupdate_postfix_opensslcli.pcap",
}

// handshakePrefix returns the records of recs up to the first decrypted
// application data record of each side, and the rest.
func handshakePrefix(kl *KeyLog, recs []wireRecord) (prefix, rest []wireRecord) {
	c := NewConn(kl)
	var seen [2]bool
	for i, r := range recs {
		res, _ := c.Record(r.dir, r.rec)
		if res.Decrypted && res.ContentType == typeApplicationData {
			seen[r.dir] = true
		}
		if seen[FromClient] && seen[FromServer] {
			return recs[:i+1], recs[i+1:]
		}
	}
	return recs, nil
}

// encodeFuzzRecords lays records out as FuzzRecord reads them: a
// direction byte, then the record.
func encodeFuzzRecords(recs []wireRecord) []byte {
	var b []byte
	for _, r := range recs {
		b = append(b, byte(r.dir))
		b = append(b, r.rec...)
	}
	return b
}

// FuzzRecord feeds random records to a Conn after the real handshake of a
// capture (or to a fresh one): it must never panic, and its results must
// keep their promises (no plaintext unless decrypted, a known state). Each
// record starts with a control byte: bit 0 the direction (bit 7 set: an
// invalid one); bit 1 clear, a raw record follows (its header's length
// taken as far as the data goes); bit 1 set, a 2-byte length and that
// much content follow, which the harness encrypts with the direction's
// current keys as record type 20+(control>>2)%5 (TLS 1.3: the inner
// plaintext of an application_data record), so that the fuzzer reaches
// what comes after authentication.
func FuzzRecord(f *testing.F) {
	type base struct {
		keys   *KeyLog
		prefix []wireRecord
	}
	var bases []base
	for i, name := range fuzzBases {
		kl := keysFor(f, name)
		prefix, rest := handshakePrefix(kl, captureRecords(f, name))
		bases = append(bases, base{kl, prefix})
		// Small seeds keep the minimization of new inputs short.
		f.Add(uint8(i), encodeFuzzRecords(rest[:min(3, len(rest))]))
		if i == 0 {
			f.Add(uint8(len(fuzzBases)), encodeFuzzRecords(prefix))
		}
		// Sealed: a KeyUpdate, application data, an alert, padding only.
		f.Add(uint8(i), []byte{2 | 3<<2, 0, 6, typeKeyUpdate, 0, 0, 1, 0, typeHandshake, 3 | 3<<2, 0, 3, 'h', 'i', typeApplicationData})
		f.Add(uint8(i), []byte{3 | 1<<2, 0, 3, 1, 0, typeAlert, 2 | 3<<2, 0, 4, 0, 0, 0, 0})
	}
	f.Add(uint8(0), []byte{0, 23, 3, 3, 0, 0})
	f.Add(uint8(0), []byte{1, 22, 3, 3, 0, 4, 24, 0, 0, 1})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		c := NewConn(bases[0].keys)
		if int(which) < len(bases) {
			b := bases[which]
			c = NewConn(b.keys)
			for _, r := range b.prefix {
				c.Record(r.dir, r.rec)
			}
		}
		for len(data) > 0 {
			ctl := data[0]
			data = data[1:]
			dir := Direction(ctl & 1)
			if ctl&0x80 != 0 {
				dir = 2
			}
			var rec []byte
			if ctl&2 != 0 && len(data) >= 2 {
				n := min(int(binary.BigEndian.Uint16(data)), len(data)-2, 1<<14)
				content := data[2 : 2+n]
				data = data[2+n:]
				if dir <= FromServer {
					rec = sealRecord(c, &c.dirs[dir], typeChangeCipherSpec+(ctl>>2)%5, content)
				}
				if rec == nil {
					rec = makeRecord(typeApplicationData, content)
				}
			} else {
				n := len(data)
				if len(data) >= recordHeaderLen {
					n = min(n, recordHeaderLen+int(binary.BigEndian.Uint16(data[3:])))
				}
				rec = data[:n]
				data = data[n:]
			}
			res, _ := c.Record(dir, rec)
			if !res.Decrypted && res.Plaintext != nil {
				t.Fatalf("plaintext %x from a record not decrypted", res.Plaintext)
			}
			if c.State() > Unsupported {
				t.Fatalf("state %d", c.State())
			}
		}
	})
}
