package classify

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"

	"github.com/esaflow/esaflow/flow"
)

// TLS record content types and handshake message types (RFC 8446, 5246).
const (
	tlsChangeCipherSpec = 20
	tlsAlert            = 21
	tlsHandshake        = 22
	tlsApplicationData  = 23

	hsServerHello = 2
	hsCertificate = 11
	hsServerDone  = 14
)

// maxHandshake bounds the handshake bytes kept per direction while the
// ServerHello and Certificate are assembled.
const maxHandshake = 64 << 10

// tlsStream follows the TLS records of one direction: it walks record
// headers across segment boundaries, assembles the handshake messages
// sent in clear and notes the first alert in clear. It keeps at most
// maxHandshake bytes and stops assembling once the handshake turns
// encrypted.
type tlsStream struct {
	hdr     [5]byte
	hdrLen  int
	left    int  // bytes of the current record's body still to come
	typ     byte // current record's content type
	alertAt int  // bytes of the current alert body kept in alert
	alert   [2]byte
	hs      []byte // handshake bytes in clear, not yet parsed
	clear   bool   // handshake messages are still in clear
	records int
	first   byte // content type of the first record
	broken  bool // not TLS: nothing more is read
	// watch, shared by both directions, follows a TLS 1.3 handshake past
	// the ServerHello; dir is this stream's direction.
	watch *tls13Watch
	dir   flow.Direction
	// onRecord, when set (a key log is given), receives each whole
	// record, header and body, assembled in rec.
	onRecord func(dir flow.Direction, rec []byte)
	rec      []byte

	// What was learnt.
	serverHello          bool
	version, cipher      uint16
	certSubject, certIss string
	alertDesc            int // -1: none
}

func newTLSStream() tlsStream { return tlsStream{clear: true, alertDesc: -1} }

// feed consumes in-order bytes of the direction.
func (t *tlsStream) feed(p []byte) {
	for len(p) > 0 && !t.broken {
		if t.left == 0 {
			n := copy(t.hdr[t.hdrLen:], p)
			t.hdrLen += n
			p = p[n:]
			if t.hdrLen < 5 {
				return
			}
			t.hdrLen = 0
			t.typ = t.hdr[0]
			t.left = int(binary.BigEndian.Uint16(t.hdr[3:5]))
			if t.typ < tlsChangeCipherSpec || t.typ > tlsApplicationData || t.hdr[1] != 3 || t.left > 1<<14+2048 {
				t.broken = true
				return
			}
			if t.records == 0 {
				t.first = t.typ
			}
			t.records++
			t.alertAt = 0
			t.watch.record(t.dir, t.typ, t.left)
			if t.onRecord != nil {
				t.rec = append(t.rec[:0], t.hdr[:]...)
			}
			if t.typ == tlsChangeCipherSpec || t.typ == tlsApplicationData {
				t.clear = false // what follows is encrypted
			}
			if t.left == 0 {
				t.recordDone()
				continue
			}
		}
		n := min(t.left, len(p))
		t.body(p[:n])
		if t.onRecord != nil {
			t.rec = append(t.rec, p[:n]...)
		}
		t.left -= n
		p = p[n:]
		if t.left == 0 {
			t.recordDone()
		}
	}
}

// recordDone hands the record just completed to onRecord.
func (t *tlsStream) recordDone() {
	if t.onRecord != nil {
		t.onRecord(t.dir, t.rec)
	}
}

// body handles bytes of the current record's body.
func (t *tlsStream) body(b []byte) {
	switch t.typ {
	case tlsAlert:
		// A 2-byte alert is in clear; an encrypted one is longer.
		if int(binary.BigEndian.Uint16(t.hdr[3:5])) != 2 {
			return
		}
		t.alertAt += copy(t.alert[t.alertAt:], b)
		if t.alertAt == 2 && t.alertDesc < 0 {
			t.alertDesc = int(t.alert[1])
		}
	case tlsHandshake:
		if !t.clear || len(t.hs)+len(b) > maxHandshake {
			return
		}
		t.hs = append(t.hs, b...)
		t.messages()
	}
}

// messages parses the complete handshake messages assembled so far.
func (t *tlsStream) messages() {
	for t.clear && len(t.hs) >= 4 {
		n := int(t.hs[1])<<16 | int(t.hs[2])<<8 | int(t.hs[3])
		if len(t.hs) < 4+n {
			return
		}
		msg := t.hs[4 : 4+n]
		switch t.hs[0] {
		case hsServerHello:
			t.parseServerHello(msg)
			t.watch.activate(t.version)
			if t.version == tls.VersionTLS13 {
				t.clear = false // the rest of the handshake is encrypted
			}
		case hsCertificate:
			t.parseCertificate(msg)
		case hsServerDone:
			t.clear = false
		}
		t.hs = t.hs[4+n:]
	}
	if len(t.hs) == 0 {
		t.hs = nil
	}
}

// parseServerHello reads the chosen version (supported_versions for TLS
// 1.3) and cipher suite.
func (t *tlsStream) parseServerHello(m []byte) {
	if len(m) < 2+32+1 {
		return
	}
	version := binary.BigEndian.Uint16(m[0:2])
	m = m[34:]
	sid := int(m[0])
	if len(m) < 1+sid+3 {
		return
	}
	m = m[1+sid:]
	t.serverHello = true
	t.version, t.cipher = version, binary.BigEndian.Uint16(m[0:2])
	m = m[3:]
	if len(m) < 2 {
		return
	}
	ext := m[2:]
	if l := int(binary.BigEndian.Uint16(m[0:2])); l < len(ext) {
		ext = ext[:l]
	}
	for len(ext) >= 4 {
		typ, l := binary.BigEndian.Uint16(ext[0:2]), int(binary.BigEndian.Uint16(ext[2:4]))
		if len(ext) < 4+l {
			return
		}
		if typ == 43 && l == 2 { // supported_versions
			t.version = binary.BigEndian.Uint16(ext[4:6])
		}
		ext = ext[4+l:]
	}
}

// parseCertificate reads the subject and issuer of the leaf certificate
// (TLS 1.2 and older: a 3-byte list length, then 3-byte-length entries).
func (t *tlsStream) parseCertificate(m []byte) {
	if len(m) < 6 {
		return
	}
	n := int(m[3])<<16 | int(m[4])<<8 | int(m[5])
	if len(m) < 6+n {
		return
	}
	cert, err := x509.ParseCertificate(m[6 : 6+n])
	if err != nil {
		t.certSubject = "(unparsable certificate: " + Escape([]byte(err.Error())) + ")"
		return
	}
	t.certSubject = Escape([]byte(cert.Subject.String()))
	t.certIss = Escape([]byte(cert.Issuer.String()))
}

// tlsVersionName names a protocol version as OpenSSL and Postfix logs do.
func tlsVersionName(v uint16) string {
	switch v {
	case 0x0300: // SSL 3.0, which crypto/tls no longer names
		return "SSLv3"
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// extraSuites names suites crypto/tls does not know (finite-field DHE,
// which OpenSSL servers still pick with RSA certificates).
var extraSuites = map[uint16]string{
	0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
	0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
	0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
	0x006b: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
	0x009e: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
	0x009f: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
	0xccaa: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	0xc0ad: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
	0xc0ac: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
	0x1304: "TLS_AES_128_CCM_SHA256",
}

// cipherName returns the IANA name of a cipher suite, or its number.
func cipherName(id uint16) string {
	if n, ok := extraSuites[id]; ok {
		return n
	}
	return tls.CipherSuiteName(id) // "0x1234" when unknown
}

// alertNames are the alert descriptions of RFC 8446 and RFC 5246.
var alertNames = map[int]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
	21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
	40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
	43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
	46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error",
	60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
	80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
	100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
	112: "unrecognized_name", 113: "bad_certificate_status_response",
	115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
}

// alertName names a TLS alert description (RFC 8446 6.2), e.g. 70 is
// "protocol_version"; unknown values are named "alert_N".
func alertName(d int) string {
	if n, ok := alertNames[d]; ok {
		return n
	}
	return fmt.Sprintf("alert_%d", d)
}
