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
// keep their promises (no plaintext unless decrypted, a known state).
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
		f.Add(uint8(i), encodeFuzzRecords(rest))
		if len(rest) > 0 {
			f.Add(uint8(i), encodeFuzzRecords(rest[:1]))
		}
		f.Add(uint8(len(fuzzBases)), encodeFuzzRecords(prefix))
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
			dir := Direction(data[0] % 3) // 2 is no direction
			data = data[1:]
			n := len(data)
			if len(data) >= recordHeaderLen {
				n = min(n, recordHeaderLen+int(binary.BigEndian.Uint16(data[3:])))
			}
			rec := data[:n]
			data = data[n:]
			res, err := c.Record(dir, rec)
			if !res.Decrypted && res.Plaintext != nil {
				t.Fatalf("plaintext %x from a record not decrypted", res.Plaintext)
			}
			if res.Decrypted && err != nil && c.State() == Failed {
				// A decrypted record may still end in a failed rekey.
				continue
			}
			if c.State() > Unsupported {
				t.Fatalf("state %d", c.State())
			}
		}
	})
}
