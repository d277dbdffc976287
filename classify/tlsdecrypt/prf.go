package tlsdecrypt

import (
	"crypto/hmac"
	"hash"
)

// prf12 fills out with the TLS 1.2 PRF of secret, label and seed (RFC 5246,
// section 5): P_hash(secret, label + seed).
func prf12(newHash func() hash.Hash, secret []byte, label string, seed []byte, out []byte) {
	labelSeed := make([]byte, 0, len(label)+len(seed))
	labelSeed = append(labelSeed, label...)
	labelSeed = append(labelSeed, seed...)
	mac := hmac.New(newHash, secret)
	mac.Write(labelSeed)
	a := mac.Sum(nil) // A(1)
	for len(out) > 0 {
		mac.Reset()
		mac.Write(a)
		mac.Write(labelSeed)
		out = out[copy(out, mac.Sum(nil)):]
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
}

// keyBlock12 holds the TLS 1.2 record keys of both directions, cut from
// the key block (RFC 5246, 6.3).
type keyBlock12 struct {
	clientMAC, serverMAC []byte
	clientKey, serverKey []byte
	clientIV, serverIV   []byte
}

// deriveKeys12 expands a master secret into the record keys of s.
func deriveKeys12(s *suite, master []byte, clientRandom, serverRandom [randomLen]byte) keyBlock12 {
	macLen, keyLen, ivLen := s.macLen, s.keyLen, s.fixedIVLen()
	block := make([]byte, 2*(macLen+keyLen+ivLen))
	seed := make([]byte, 0, 2*randomLen)
	seed = append(seed, serverRandom[:]...)
	seed = append(seed, clientRandom[:]...)
	prf12(s.prf, master, "key expansion", seed, block)
	next := func(n int) []byte {
		b := block[:n:n]
		block = block[n:]
		return b
	}
	var kb keyBlock12
	kb.clientMAC, kb.serverMAC = next(macLen), next(macLen)
	kb.clientKey, kb.serverKey = next(keyLen), next(keyLen)
	kb.clientIV, kb.serverIV = next(ivLen), next(ivLen)
	return kb
}
