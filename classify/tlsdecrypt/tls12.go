package tlsdecrypt

import (
	"errors"
	"fmt"
)

// setup12 derives the TLS 1.2 record keys once the ServerHello is read;
// each direction turns them on at its ChangeCipherSpec.
func (c *Conn) setup12(sh serverHello) error {
	s := tls12Suites[sh.suite]
	if s == nil {
		return fmt.Errorf("%w: TLS 1.2 cipher suite 0x%04x", ErrUnsupported, sh.suite)
	}
	if c.secrets.master == nil {
		c.state = NoKeys
		return nil
	}
	c.suite = s
	kb := deriveKeys12(s, c.secrets.master, c.client.random, sh.random)
	etm := s.kind == kindCBC && c.client.encryptThenMAC && sh.encryptThenMAC
	var err error
	if c.dirs[FromClient].next, err = newProtection(s, kb.clientKey, kb.clientIV, kb.clientMAC, etm); err != nil {
		return err
	}
	if c.dirs[FromServer].next, err = newProtection(s, kb.serverKey, kb.serverIV, kb.serverMAC, etm); err != nil {
		return err
	}
	c.state = Decrypting
	return nil
}

// open12 decrypts a TLS 1.2 record of a direction past its
// ChangeCipherSpec.
func (c *Conn) open12(dir Direction, d *dirState, rec []byte) (Result, error) {
	typ := rec[0]
	res := Result{ContentType: typ}
	if d.prot == nil {
		return res, nil
	}
	frag := rec[recordHeaderLen:]
	out, err := d.prot.open12(c.plaintextBuf(len(frag)), d.seq, rec[:recordHeaderLen], frag)
	if errors.Is(err, ErrAuthentication) {
		return res, c.fail(dir, d, err)
	}
	d.seq++
	if err != nil {
		return res, fmt.Errorf("%s record %d: %w", dir, d.seq-1, err)
	}
	d.opened = true
	res.Plaintext, res.Decrypted = out, true
	if typ == typeChangeCipherSpec {
		// A ChangeCipherSpec under encryption ends a renegotiation,
		// whose keys come from a handshake this package does not follow.
		d.prot = nil
		c.state = Unsupported
		return res, fmt.Errorf("%w: %s renegotiated", ErrUnsupported, dir)
	}
	return res, nil
}
