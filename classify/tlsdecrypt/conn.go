package tlsdecrypt

import (
	"errors"
	"fmt"
)

// Record content types.
const (
	typeChangeCipherSpec = 20
	typeAlert            = 21
	typeHandshake        = 22
	typeApplicationData  = 23
)

// maxRecordBody is the largest record body accepted: 2^14 bytes of
// plaintext plus the 2048 bytes of expansion TLS 1.2 allows.
const maxRecordBody = 1<<14 + 2048

// Result is what Conn.Record made of one record.
type Result struct {
	// ContentType is the record's content type: for a decrypted TLS 1.3
	// record the inner one (22 handshake, 23 application data, 21 alert),
	// otherwise the one of the record header.
	ContentType uint8
	// Plaintext is the decrypted content (for TLS 1.3 without the padding
	// and the inner content type). It is valid until the next call to
	// Record, and nil when the record was not encrypted or could not be
	// decrypted.
	Plaintext []byte
	// Decrypted reports whether the record was encrypted and decrypted;
	// Plaintext may then be empty.
	Decrypted bool
}

// Conn decrypts the records of one TLS connection. Make one with NewConn;
// it is not safe for concurrent use.
type Conn struct {
	keys    *KeyLog
	state   State
	secrets *secrets

	started        bool // a record came
	sawClientHello bool
	client         clientHello
	version        uint16 // negotiated version, 0 before the ServerHello
	suite          *suite
	retried        bool // a HelloRetryRequest came

	dirs [2]dirState
	buf  []byte
}

// keyPhase is which keys protect a direction's encrypted records.
type keyPhase uint8

const (
	phaseClear       keyPhase = iota // nothing encrypted yet
	phaseHandshake                   // TLS 1.3 handshake traffic keys
	phaseApplication                 // TLS 1.2 keys, or TLS 1.3 application traffic keys
)

// dirState is one direction's part of a Conn.
type dirState struct {
	hs           hsStream
	phase        keyPhase
	prot         *protection // nil until the keys are known
	next         *protection // TLS 1.2: the protection its ChangeCipherSpec turns on
	seq          uint64
	secret       []byte // TLS 1.3: the current traffic secret
	app0         []byte // TLS 1.3: the first application traffic secret
	failed       bool   // a record failed authentication
	opened       bool   // a record decrypted under the current phase
	earlySkipped int    // TLS 1.3 client: records taken for rejected early data
}

// maxEarlySkipped bounds the client records that may fail under the
// handshake keys, before one decrypts, when the ClientHello offered early
// data (0-RTT records the server rejected, which this package does not
// decrypt either).
const maxEarlySkipped = 64

// NewConn returns a Conn that decrypts with the secrets of keys, looked up
// by the connection's client random when its ClientHello comes. keys may be
// nil: the Conn then only reaches NoKeys.
func NewConn(keys *KeyLog) *Conn {
	return &Conn{keys: keys}
}

// State returns how far the Conn got.
func (c *Conn) State() State { return c.state }

// Record takes the next record of direction dir: one whole TLS record, its
// 5-byte header and body. Records of one direction must come in the order
// they were sent, starting with the client's ClientHello; the two
// directions interleave as seen on the wire.
//
// A record that is not encrypted (hellos, ChangeCipherSpec, alerts in
// clear) comes back with its content type and no Plaintext. An encrypted
// record is decrypted when the keys are known; one that cannot be (no
// keys, 0-RTT early data) comes back like a record in clear, Decrypted
// false.
//
// The error wraps ErrNotTLS, ErrMalformed, ErrAuthentication or
// ErrUnsupported. ErrMalformed changes no state: the record is passed over
// (a TLS 1.3 record that decrypts to no content type still counts in the
// sequence). After a state change to NotTLS, NoKeys, Failed (for that
// direction) or Unsupported, later records come back undecrypted without
// an error. A Result that is Decrypted may still come with an error when
// what it carried could not be acted on (a KeyUpdate to a secret of the
// wrong size, an encrypted ChangeCipherSpec that renegotiates).
func (c *Conn) Record(dir Direction, rec []byte) (Result, error) {
	if dir > FromServer {
		return Result{}, fmt.Errorf("tlsdecrypt: invalid direction %d", dir)
	}
	if err := checkHeader(rec); err != nil {
		if !c.sawClientHello && c.state == Pending {
			c.state = NotTLS
			return Result{}, fmt.Errorf("%w: %w", ErrNotTLS, err)
		}
		return Result{}, err
	}
	typ := rec[0]
	res := Result{ContentType: typ}
	switch c.state {
	case NotTLS, NoKeys, Unsupported:
		return res, nil
	}
	if !c.sawClientHello {
		// Until the ClientHello is whole, only its records may come.
		first := !c.started
		c.started = true
		if dir != FromClient || typ != typeHandshake || (first && (len(rec) == recordHeaderLen || rec[recordHeaderLen] != typeClientHello)) {
			c.state = NotTLS
			return res, fmt.Errorf("%w: the connection does not start with the client's ClientHello", ErrNotTLS)
		}
	}
	d := &c.dirs[dir]
	if d.failed {
		return res, nil
	}
	if !c.encrypted(d, typ) {
		return res, c.clearRecord(dir, d, rec)
	}
	if d.prot == nil {
		// TLS 1.3 application data before the ServerHello: 0-RTT early
		// data, which this package does not decrypt.
		return res, nil
	}
	if c.version == versionTLS13 {
		return c.open13(dir, d, rec)
	}
	return c.open12(dir, d, rec)
}

// checkHeader checks a record's header against its length.
func checkHeader(rec []byte) error {
	if len(rec) < recordHeaderLen {
		return fmt.Errorf("%w: %d bytes is shorter than a record header", ErrMalformed, len(rec))
	}
	typ, major := rec[0], rec[1]
	n := int(rec[3])<<8 | int(rec[4])
	switch {
	case typ < typeChangeCipherSpec || typ > typeApplicationData+1:
		return fmt.Errorf("%w: content type %d", ErrMalformed, typ)
	case major != 3:
		return fmt.Errorf("%w: record version %d.%d", ErrMalformed, major, rec[2])
	case n > maxRecordBody:
		return fmt.Errorf("%w: %d-byte record body", ErrMalformed, n)
	case n != len(rec)-recordHeaderLen:
		return fmt.Errorf("%w: header says %d bytes, record has %d", ErrMalformed, n, len(rec)-recordHeaderLen)
	}
	return nil
}

// encrypted reports whether a record of type typ in direction d is
// protected.
func (c *Conn) encrypted(d *dirState, typ uint8) bool {
	if c.version == versionTLS13 || (c.version == 0 && typ == typeApplicationData) {
		// TLS 1.3 protects every record as application_data; the
		// ChangeCipherSpec records and alerts sent in clear keep their
		// own type.
		return typ == typeApplicationData
	}
	return d.phase != phaseClear
}

// clearRecord handles a record sent in clear: hellos, ChangeCipherSpec,
// alerts.
func (c *Conn) clearRecord(dir Direction, d *dirState, rec []byte) error {
	switch rec[0] {
	case typeHandshake:
		_, err := d.hs.feed(rec[recordHeaderLen:], true, func(typ uint8, body []byte) error {
			return c.hello(dir, typ, body)
		})
		if err != nil && c.state == Pending {
			c.state = NotTLS
			return fmt.Errorf("%w: %w", ErrNotTLS, err)
		}
		return err
	case typeChangeCipherSpec:
		if c.version == versionTLS12 && d.next != nil {
			d.prot, d.next = d.next, nil
			d.phase = phaseApplication
			d.seq = 0
		}
	}
	return nil
}

// hello acts on a ClientHello or ServerHello sent in clear.
func (c *Conn) hello(dir Direction, typ uint8, body []byte) error {
	switch {
	case typ == typeClientHello && dir == FromClient:
		ch, err := parseClientHello(body)
		if err != nil {
			return err
		}
		if c.sawClientHello {
			// The second ClientHello after a HelloRetryRequest keeps
			// the random.
			c.client.earlyData = false
			return nil
		}
		c.sawClientHello = true
		c.client = ch
		if c.secrets = c.keys.lookup(ch.random); c.secrets == nil {
			c.state = NoKeys
		}
	case typ == typeServerHello && dir == FromServer && c.sawClientHello:
		if c.version != 0 && !c.retried {
			return nil
		}
		sh, err := parseServerHello(body)
		if err != nil {
			return err
		}
		if sh.retry {
			c.retried = true
			c.version = versionTLS13
			return nil
		}
		return c.serverHello(sh)
	}
	return nil
}

// serverHello sets the keys up once the ServerHello chose the version and
// the cipher suite.
func (c *Conn) serverHello(sh serverHello) error {
	c.retried = false
	c.version = sh.version
	var err error
	switch sh.version {
	case versionTLS13:
		err = c.setup13(sh)
	case versionTLS12:
		err = c.setup12(sh)
	default:
		err = fmt.Errorf("%w: version 0x%04x", ErrUnsupported, sh.version)
	}
	if err != nil && errors.Is(err, ErrUnsupported) {
		c.state = Unsupported
	}
	return err
}

// fail marks direction d failed after err, an authentication failure.
func (c *Conn) fail(dir Direction, d *dirState, err error) error {
	d.failed = true
	c.state = Failed
	return fmt.Errorf("%s record %d: %w", dir, d.seq, err)
}

// plaintextBuf returns the Conn's scratch buffer, grown to n bytes.
func (c *Conn) plaintextBuf(n int) []byte {
	if cap(c.buf) < n {
		c.buf = make([]byte, n)
	}
	return c.buf[:n]
}
