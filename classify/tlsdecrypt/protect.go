package tlsdecrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// Sizes of the record protections.
const (
	aeadTagLen       = 16 // AES-GCM and Poly1305 tags
	gcmExplicitLen   = 8  // TLS 1.2 AES-GCM explicit nonce
	aesBlockLen      = aes.BlockSize
	recordHeaderLen  = 5
	pseudoHeaderLen  = 13 // TLS 1.2 AAD and MAC header: seq, type, version, length
	sequenceFieldLen = 8
)

// errOpen is the cause wrapped in ErrAuthentication when a record does not
// authenticate.
var errOpen = errors.New("tag or MAC mismatch")

// protection decrypts the records of one direction under one set of keys.
type protection struct {
	kind   cipherKind
	aead   cipher.AEAD
	iv     []byte // AEAD: TLS 1.3 and ChaCha IV, or the TLS 1.2 AES-GCM salt
	block  cipher.Block
	mac    hash.Hash // CBC: HMAC keyed with the direction's MAC key
	macLen int
	etm    bool // CBC: encrypt_then_mac (RFC 7366)

	nonce  [aeadIVLen]byte
	pseudo [pseudoHeaderLen]byte
	sum    []byte
}

// newProtection makes the protection of suite s with key, iv and (CBC)
// macKey.
func newProtection(s *suite, key, iv, macKey []byte, etm bool) (*protection, error) {
	p := &protection{kind: s.kind, iv: iv, etm: etm}
	switch s.kind {
	case kindGCM:
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("tlsdecrypt: AES key: %w", err)
		}
		if p.aead, err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("tlsdecrypt: GCM: %w", err)
		}
	case kindChaCha:
		aead, err := chacha20poly1305.New(key)
		if err != nil {
			return nil, fmt.Errorf("tlsdecrypt: ChaCha20-Poly1305 key: %w", err)
		}
		p.aead = aead
	case kindCBC:
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("tlsdecrypt: AES key: %w", err)
		}
		p.block = block
		p.mac = hmac.New(s.mac, macKey)
		p.macLen = s.macLen
		p.sum = make([]byte, 0, p.mac.Size())
	default:
		return nil, fmt.Errorf("%w: cipher kind %d", ErrUnsupported, s.kind)
	}
	return p, nil
}

// xorNonce sets p.nonce to the IV xor the sequence number, left-padded
// (RFC 8446, 5.3; RFC 7905, 2).
func (p *protection) xorNonce(seq uint64) []byte {
	copy(p.nonce[:], p.iv)
	for i := range sequenceFieldLen {
		p.nonce[aeadIVLen-1-i] ^= byte(seq >> (8 * i))
	}
	return p.nonce[:]
}

// setPseudo fills the TLS 1.2 AAD / MAC header: seq, type, version, length.
func (p *protection) setPseudo(seq uint64, hdr []byte, length int) []byte {
	binary.BigEndian.PutUint64(p.pseudo[:8], seq)
	p.pseudo[8], p.pseudo[9], p.pseudo[10] = hdr[0], hdr[1], hdr[2]
	binary.BigEndian.PutUint16(p.pseudo[11:], uint16(length))
	return p.pseudo[:]
}

// open13 decrypts a TLS 1.3 record (header hdr, body frag) into dst and
// returns the inner plaintext: content, zero padding and content type.
func (p *protection) open13(dst []byte, seq uint64, hdr, frag []byte) ([]byte, error) {
	if len(frag) < aeadTagLen {
		return nil, fmt.Errorf("%w: %d-byte record is shorter than a tag", ErrAuthentication, len(frag))
	}
	out, err := p.aead.Open(dst[:0], p.xorNonce(seq), frag, hdr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAuthentication, errOpen)
	}
	return out, nil
}

// open12 decrypts a TLS 1.2 record (header hdr, body frag) into dst and
// returns its plaintext.
func (p *protection) open12(dst []byte, seq uint64, hdr, frag []byte) ([]byte, error) {
	switch p.kind {
	case kindGCM:
		if len(frag) < gcmExplicitLen+aeadTagLen {
			return nil, fmt.Errorf("%w: %d-byte GCM record is too short", ErrAuthentication, len(frag))
		}
		copy(p.nonce[:], p.iv)
		copy(p.nonce[len(p.iv):], frag[:gcmExplicitLen])
		ct := frag[gcmExplicitLen:]
		aad := p.setPseudo(seq, hdr, len(ct)-aeadTagLen)
		out, err := p.aead.Open(dst[:0], p.nonce[:], ct, aad)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrAuthentication, errOpen)
		}
		return out, nil
	case kindChaCha:
		if len(frag) < aeadTagLen {
			return nil, fmt.Errorf("%w: %d-byte record is shorter than a tag", ErrAuthentication, len(frag))
		}
		aad := p.setPseudo(seq, hdr, len(frag)-aeadTagLen)
		out, err := p.aead.Open(dst[:0], p.xorNonce(seq), frag, aad)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrAuthentication, errOpen)
		}
		return out, nil
	}
	if p.etm {
		return p.openEncryptThenMAC(dst, seq, hdr, frag)
	}
	return p.openMACThenEncrypt(dst, seq, hdr, frag)
}

// openMACThenEncrypt decrypts a TLS 1.2 CBC record protected the default
// way (RFC 5246, 6.2.3.2): IV, then CBC(content, MAC, padding).
func (p *protection) openMACThenEncrypt(dst []byte, seq uint64, hdr, frag []byte) ([]byte, error) {
	ctLen := len(frag) - aesBlockLen
	if ctLen < p.macLen+1 || ctLen%aesBlockLen != 0 {
		return nil, fmt.Errorf("%w: %d-byte CBC record has no room for a MAC or is not whole blocks", ErrAuthentication, len(frag))
	}
	out := cbcDecrypt(p.block, dst, frag[:aesBlockLen], frag[aesBlockLen:])
	body, ok := stripPadding(out)
	if !ok || len(body) < p.macLen {
		return nil, fmt.Errorf("%w: bad CBC padding", ErrAuthentication)
	}
	content, mac := body[:len(body)-p.macLen], body[len(body)-p.macLen:]
	if !p.macMatches(seq, hdr, content, mac) {
		return nil, fmt.Errorf("%w: %w", ErrAuthentication, errOpen)
	}
	return content, nil
}

// macMatches tells whether mac is the record MAC of data, the record of
// sequence number seq whose header is hdr.
func (p *protection) macMatches(seq uint64, hdr, data, mac []byte) bool {
	p.mac.Reset()
	p.mac.Write(p.setPseudo(seq, hdr, len(data)))
	p.mac.Write(data)
	p.sum = p.mac.Sum(p.sum[:0])
	return hmac.Equal(p.sum, mac)
}

// openEncryptThenMAC decrypts a TLS 1.2 CBC record under encrypt_then_mac
// (RFC 7366): IV, CBC(content, padding), then a MAC over all that.
func (p *protection) openEncryptThenMAC(dst []byte, seq uint64, hdr, frag []byte) ([]byte, error) {
	ctLen := len(frag) - aesBlockLen - p.macLen
	if ctLen < aesBlockLen || ctLen%aesBlockLen != 0 {
		return nil, fmt.Errorf("%w: %d-byte encrypt-then-MAC record is not a MAC after whole blocks", ErrAuthentication, len(frag))
	}
	protected, mac := frag[:len(frag)-p.macLen], frag[len(frag)-p.macLen:]
	if !p.macMatches(seq, hdr, protected, mac) {
		return nil, fmt.Errorf("%w: %w", ErrAuthentication, errOpen)
	}
	out := cbcDecrypt(p.block, dst, protected[:aesBlockLen], protected[aesBlockLen:])
	content, ok := stripPadding(out)
	if !ok {
		return nil, fmt.Errorf("%w: bad CBC padding", ErrMalformed)
	}
	return content, nil
}

// cbcDecrypt decrypts whole blocks ct with iv into dst's storage.
func cbcDecrypt(block cipher.Block, dst, iv, ct []byte) []byte {
	out := append(dst[:0], ct...)
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, out)
	return out
}

// stripPadding removes TLS CBC padding (padding_length+1 bytes, each equal
// to padding_length) and reports whether it was well formed.
func stripPadding(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	n := int(b[len(b)-1]) + 1
	if n > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n-1 {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}
