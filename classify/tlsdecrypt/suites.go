package tlsdecrypt

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// cipherKind is the record protection of a cipher suite.
type cipherKind uint8

const (
	kindGCM    cipherKind = iota + 1 // AES-GCM (AEAD)
	kindChaCha                       // ChaCha20-Poly1305 (AEAD)
	kindCBC                          // AES-CBC with an HMAC
)

// suite is what decryption needs to know of a cipher suite.
type suite struct {
	kind   cipherKind
	keyLen int              // cipher key length in bytes
	prf    func() hash.Hash // TLS 1.2 PRF hash, or TLS 1.3 HKDF hash
	mac    func() hash.Hash // CBC suites: the record MAC's hash
	macLen int              // CBC suites: the record MAC's length
}

// fixedIVLen returns the length of the IV part taken from the key block in
// TLS 1.2: 4 bytes for AES-GCM (the salt of RFC 5288), 12 for
// ChaCha20-Poly1305 (RFC 7905), none for CBC (TLS 1.1 and later send an
// explicit IV in each record).
func (s *suite) fixedIVLen() int {
	switch s.kind {
	case kindGCM:
		return 4
	case kindChaCha:
		return 12
	}
	return 0
}

var (
	gcm128SHA256 = &suite{kind: kindGCM, keyLen: 16, prf: sha256.New}
	gcm256SHA384 = &suite{kind: kindGCM, keyLen: 32, prf: sha512.New384}
	chachaSHA256 = &suite{kind: kindChaCha, keyLen: 32, prf: sha256.New}
	cbc128SHA1   = &suite{kind: kindCBC, keyLen: 16, prf: sha256.New, mac: sha1.New, macLen: sha1.Size}
	cbc256SHA1   = &suite{kind: kindCBC, keyLen: 32, prf: sha256.New, mac: sha1.New, macLen: sha1.Size}
	cbc128SHA256 = &suite{kind: kindCBC, keyLen: 16, prf: sha256.New, mac: sha256.New, macLen: sha256.Size}
	cbc256SHA256 = &suite{kind: kindCBC, keyLen: 32, prf: sha256.New, mac: sha256.New, macLen: sha256.Size}
	cbc256SHA384 = &suite{kind: kindCBC, keyLen: 32, prf: sha512.New384, mac: sha512.New384, macLen: sha512.Size384}
)

// tls12Suites maps the TLS 1.2 cipher suites this package decrypts to
// their parameters. The key exchange does not matter here: the key log
// gives the master secret.
var tls12Suites = map[uint16]*suite{
	// AES-GCM, RFC 5288 and RFC 5289.
	0x009c: gcm128SHA256, // TLS_RSA_WITH_AES_128_GCM_SHA256
	0x009d: gcm256SHA384, // TLS_RSA_WITH_AES_256_GCM_SHA384
	0x009e: gcm128SHA256, // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
	0x009f: gcm256SHA384, // TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
	0xc02b: gcm128SHA256, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	0xc02c: gcm256SHA384, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	0xc02f: gcm128SHA256, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	0xc030: gcm256SHA384, // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
	// ChaCha20-Poly1305, RFC 7905.
	0xcca8: chachaSHA256, // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	0xcca9: chachaSHA256, // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
	0xccaa: chachaSHA256, // TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
	// AES-CBC with HMAC-SHA1, RFC 5246 and RFC 4492.
	0x002f: cbc128SHA1, // TLS_RSA_WITH_AES_128_CBC_SHA
	0x0035: cbc256SHA1, // TLS_RSA_WITH_AES_256_CBC_SHA
	0x0033: cbc128SHA1, // TLS_DHE_RSA_WITH_AES_128_CBC_SHA
	0x0039: cbc256SHA1, // TLS_DHE_RSA_WITH_AES_256_CBC_SHA
	0xc009: cbc128SHA1, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
	0xc00a: cbc256SHA1, // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA
	0xc013: cbc128SHA1, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
	0xc014: cbc256SHA1, // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
	// AES-CBC with HMAC-SHA256 or -SHA384, RFC 5246 and RFC 5289.
	0x003c: cbc128SHA256, // TLS_RSA_WITH_AES_128_CBC_SHA256
	0x003d: cbc256SHA256, // TLS_RSA_WITH_AES_256_CBC_SHA256
	0x0067: cbc128SHA256, // TLS_DHE_RSA_WITH_AES_128_CBC_SHA256
	0x006b: cbc256SHA256, // TLS_DHE_RSA_WITH_AES_256_CBC_SHA256
	0xc023: cbc128SHA256, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
	0xc024: cbc256SHA384, // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384
	0xc027: cbc128SHA256, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
	0xc028: cbc256SHA384, // TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
}

// tls13Suites maps the TLS 1.3 cipher suites this package decrypts to
// their parameters (RFC 8446, B.4).
var tls13Suites = map[uint16]*suite{
	0x1301: gcm128SHA256, // TLS_AES_128_GCM_SHA256
	0x1302: gcm256SHA384, // TLS_AES_256_GCM_SHA384
	0x1303: chachaSHA256, // TLS_CHACHA20_POLY1305_SHA256
}
