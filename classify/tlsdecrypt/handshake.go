package tlsdecrypt

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// Handshake message types this package acts on.
const (
	typeClientHello = 1
	typeServerHello = 2
	typeFinished    = 20
	typeKeyUpdate   = 24
)

// Extension numbers this package reads.
const (
	extEncryptThenMAC    = 22 // RFC 7366
	extEarlyData         = 42 // RFC 8446
	extSupportedVersions = 43 // RFC 8446
)

// Protocol versions.
const (
	versionTLS12 = 0x0303
	versionTLS13 = 0x0304
)

// maxHelloLen bounds the hello messages buffered for parsing; other
// handshake messages are counted through, never stored.
const maxHelloLen = 1 << 17

// helloRetryRandom is the ServerHello random that marks a
// HelloRetryRequest (RFC 8446, 4.1.3).
var helloRetryRandom = [randomLen]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// hsStream splits one direction's handshake bytes (in clear or decrypted)
// into messages, which may span records or share one. It keeps the body
// of hello messages only.
type hsStream struct {
	hdr    [4]byte
	hdrN   int    // bytes of hdr filled
	remain int    // body bytes of the current message still to come
	keep   bool   // the current message's body is being stored
	body   []byte // the stored body
}

// hsEvents is what one record's handshake bytes completed.
type hsEvents struct {
	finished  bool // a Finished message ended
	keyUpdate bool // a KeyUpdate message ended
}

// feed consumes data; each complete message is passed to onHello (when a
// hello and keepHellos) and noted in the returned events.
func (s *hsStream) feed(data []byte, keepHellos bool, onHello func(typ uint8, body []byte) error) (hsEvents, error) {
	var ev hsEvents
	for len(data) > 0 {
		if s.hdrN < len(s.hdr) {
			n := copy(s.hdr[s.hdrN:], data)
			s.hdrN += n
			data = data[n:]
			if s.hdrN < len(s.hdr) {
				break
			}
			s.remain = int(s.hdr[1])<<16 | int(s.hdr[2])<<8 | int(s.hdr[3])
			typ := s.hdr[0]
			s.keep = keepHellos && (typ == typeClientHello || typ == typeServerHello)
			if s.keep && s.remain > maxHelloLen {
				return ev, fmt.Errorf("%w: hello message of %d bytes", ErrMalformed, s.remain)
			}
			s.body = s.body[:0]
		}
		n := min(s.remain, len(data))
		if s.keep {
			s.body = append(s.body, data[:n]...)
		}
		s.remain -= n
		data = data[n:]
		if s.remain > 0 {
			break
		}
		// The message is complete.
		typ := s.hdr[0]
		s.hdrN = 0
		switch typ {
		case typeFinished:
			ev.finished = true
		case typeKeyUpdate:
			ev.keyUpdate = true
		}
		if s.keep {
			s.keep = false
			if err := onHello(typ, s.body); err != nil {
				return ev, err
			}
		}
	}
	return ev, nil
}

// clientHello is what this package reads from a ClientHello.
type clientHello struct {
	random         [randomLen]byte
	encryptThenMAC bool // offers encrypt_then_mac
	earlyData      bool // offers 0-RTT early data
}

// parseClientHello reads the body of a ClientHello (RFC 8446, 4.1.2; RFC
// 5246, 7.4.1.2).
func parseClientHello(body []byte) (clientHello, error) {
	var ch clientHello
	s := cryptobyte.String(body)
	var version uint16
	var random, sessionID, suites, compression []byte
	if !s.ReadUint16(&version) || !s.ReadBytes(&random, randomLen) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&sessionID)) ||
		!s.ReadUint16LengthPrefixed((*cryptobyte.String)(&suites)) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&compression)) {
		return ch, fmt.Errorf("%w: short ClientHello", ErrMalformed)
	}
	copy(ch.random[:], random)
	err := readExtensions(s, func(typ uint16, _ cryptobyte.String) {
		switch typ {
		case extEncryptThenMAC:
			ch.encryptThenMAC = true
		case extEarlyData:
			ch.earlyData = true
		}
	})
	if err != nil {
		return ch, fmt.Errorf("ClientHello: %w", err)
	}
	return ch, nil
}

// serverHello is what this package reads from a ServerHello.
type serverHello struct {
	random         [randomLen]byte
	version        uint16 // the negotiated version: supported_versions, else legacy_version
	suite          uint16
	encryptThenMAC bool // takes encrypt_then_mac
	retry          bool // a HelloRetryRequest
}

// parseServerHello reads the body of a ServerHello (RFC 8446, 4.1.3; RFC
// 5246, 7.4.1.3).
func parseServerHello(body []byte) (serverHello, error) {
	var sh serverHello
	s := cryptobyte.String(body)
	var random, sessionID []byte
	var compression uint8
	if !s.ReadUint16(&sh.version) || !s.ReadBytes(&random, randomLen) ||
		!s.ReadUint8LengthPrefixed((*cryptobyte.String)(&sessionID)) ||
		!s.ReadUint16(&sh.suite) || !s.ReadUint8(&compression) {
		return sh, fmt.Errorf("%w: short ServerHello", ErrMalformed)
	}
	copy(sh.random[:], random)
	sh.retry = bytes.Equal(random, helloRetryRandom[:])
	var badVersion bool
	err := readExtensions(s, func(typ uint16, data cryptobyte.String) {
		switch typ {
		case extEncryptThenMAC:
			sh.encryptThenMAC = true
		case extSupportedVersions:
			if !data.ReadUint16(&sh.version) || !data.Empty() {
				badVersion = true
			}
		}
	})
	if err == nil && badVersion {
		err = fmt.Errorf("%w: bad supported_versions", ErrMalformed)
	}
	if err != nil {
		return sh, fmt.Errorf("ServerHello: %w", err)
	}
	return sh, nil
}

// readExtensions walks a hello's extension block, which may be absent,
// calling fn for each extension.
func readExtensions(s cryptobyte.String, fn func(typ uint16, data cryptobyte.String)) error {
	if s.Empty() {
		return nil
	}
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return fmt.Errorf("%w: bad extension block", ErrMalformed)
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return fmt.Errorf("%w: bad extension", ErrMalformed)
		}
		fn(typ, data)
	}
	return nil
}
