package tlsdecrypt

import (
	"crypto/cipher"
)

// sealRecord encrypts content as the next record of type typ in direction
// d, the way its sender would, or returns nil when d has no keys yet. For
// TLS 1.3 content is the whole inner plaintext (content, content type,
// padding) and the record is application_data. CBC records get a zero IV
// and the least padding.
func sealRecord(c *Conn, d *dirState, typ uint8, content []byte) []byte {
	p := d.prot
	if p == nil {
		return nil
	}
	hdr := makeRecord(typ, nil)
	setLen := func(rec []byte) []byte {
		n := len(rec) - recordHeaderLen
		rec[3], rec[4] = byte(n>>8), byte(n)
		return rec
	}
	if c.version == versionTLS13 {
		hdr[0] = typeApplicationData
		n := len(content) + aeadTagLen
		hdr[3], hdr[4] = byte(n>>8), byte(n)
		return p.aead.Seal(hdr, p.xorNonce(d.seq), content, hdr)
	}
	switch p.kind {
	case kindGCM:
		explicit := []byte{0, 0, 0, 0, 0, 0, 0x12, 0x34}
		aad := append([]byte(nil), p.setPseudo(d.seq, hdr, len(content))...)
		copy(p.nonce[:], p.iv)
		copy(p.nonce[len(p.iv):], explicit)
		return setLen(p.aead.Seal(append(hdr, explicit...), p.nonce[:], content, aad))
	case kindChaCha:
		aad := append([]byte(nil), p.setPseudo(d.seq, hdr, len(content))...)
		return setLen(p.aead.Seal(hdr, p.xorNonce(d.seq), content, aad))
	}
	mac := func(data []byte) []byte {
		p.mac.Reset()
		p.mac.Write(p.setPseudo(d.seq, hdr, len(data)))
		p.mac.Write(data)
		return p.mac.Sum(nil)
	}
	iv := make([]byte, aesBlockLen)
	pad := func(b []byte) []byte {
		n := aesBlockLen - len(b)%aesBlockLen
		for range n {
			b = append(b, byte(n-1))
		}
		return b
	}
	encrypt := func(pt []byte) []byte {
		cipher.NewCBCEncrypter(p.block, iv).CryptBlocks(pt, pt)
		return append(append([]byte(nil), iv...), pt...)
	}
	if p.etm {
		protected := encrypt(pad(append([]byte(nil), content...)))
		return setLen(append(append(hdr, protected...), mac(protected)...))
	}
	pt := pad(append(append([]byte(nil), content...), mac(content)...))
	return setLen(append(hdr, encrypt(pt)...))
}
