package tlsdecrypt

import (
	"crypto/hkdf"
	"fmt"
	"hash"
)

// aeadIVLen is the per-record nonce length of the TLS 1.3 AEADs.
const aeadIVLen = 12

// expandLabel is HKDF-Expand-Label of RFC 8446, section 7.1, with an
// empty context.
func expandLabel(newHash func() hash.Hash, secret []byte, label string, length int) ([]byte, error) {
	const prefix = "tls13 "
	info := make([]byte, 0, 2+1+len(prefix)+len(label)+1)
	info = append(info, byte(length>>8), byte(length), byte(len(prefix)+len(label)))
	info = append(info, prefix...)
	info = append(info, label...)
	info = append(info, 0) // context: empty
	out, err := hkdf.Expand(newHash, secret, string(info), length)
	if err != nil {
		return nil, fmt.Errorf("tlsdecrypt: HKDF-Expand-Label %q: %w", label, err)
	}
	return out, nil
}

// trafficKeys13 derives the record key and IV of a TLS 1.3 traffic secret
// (RFC 8446, 7.3).
func trafficKeys13(s *suite, secret []byte) (key, iv []byte, err error) {
	if key, err = expandLabel(s.prf, secret, "key", s.keyLen); err != nil {
		return nil, nil, err
	}
	if iv, err = expandLabel(s.prf, secret, "iv", aeadIVLen); err != nil {
		return nil, nil, err
	}
	return key, iv, nil
}

// nextSecret13 derives the traffic secret that follows a KeyUpdate (RFC
// 8446, 7.2).
func nextSecret13(s *suite, secret []byte) ([]byte, error) {
	return expandLabel(s.prf, secret, "traffic upd", s.prf().Size())
}
