package tlsdecrypt

import (
	"errors"
	"fmt"
)

// setup13 turns on the TLS 1.3 handshake traffic keys once the ServerHello
// is read.
func (c *Conn) setup13(sh serverHello) error {
	s := tls13Suites[sh.suite]
	if s == nil {
		return fmt.Errorf("%w: TLS 1.3 cipher suite 0x%04x", ErrUnsupported, sh.suite)
	}
	k := c.secrets
	if k.clientHandshake == nil || k.serverHandshake == nil || k.clientTraffic0 == nil || k.serverTraffic0 == nil {
		c.state = NoKeys
		return nil
	}
	c.suite = s
	c.state = Decrypting
	var first error
	for _, ds := range []struct {
		dir       Direction
		handshake []byte
		app0      []byte
	}{
		{FromClient, k.clientHandshake, k.clientTraffic0},
		{FromServer, k.serverHandshake, k.serverTraffic0},
	} {
		d := &c.dirs[ds.dir]
		d.app0 = ds.app0
		if err := c.rekey13(ds.dir, d, phaseHandshake, ds.handshake); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// rekey13 switches direction d to the traffic secret secret. A secret of
// the wrong size for the suite's hash cannot be the session's: the
// direction fails.
func (c *Conn) rekey13(dir Direction, d *dirState, phase keyPhase, secret []byte) error {
	d.phase, d.secret, d.seq, d.opened = phase, secret, 0, false
	d.prot = nil
	if len(secret) != c.suite.prf().Size() {
		return c.fail(dir, d, fmt.Errorf("%w: %d-byte traffic secret for a %d-byte hash", ErrAuthentication, len(secret), c.suite.prf().Size()))
	}
	key, iv, err := trafficKeys13(c.suite, secret)
	if err != nil {
		return err
	}
	d.prot, err = newProtection(c.suite, key, iv, nil, false)
	return err
}

// open13 decrypts a TLS 1.3 protected record and follows the handshake
// inside: a Finished turns the direction to its application traffic
// secret, a KeyUpdate to the next one.
func (c *Conn) open13(dir Direction, d *dirState, rec []byte) (Result, error) {
	res := Result{ContentType: rec[0]}
	frag := rec[recordHeaderLen:]
	out, err := d.prot.open13(c.plaintextBuf(len(frag)), d.seq, rec[:recordHeaderLen], frag)
	if err != nil {
		if dir == FromClient && d.phase == phaseHandshake && !d.opened && c.client.earlyData && d.earlySkipped < maxEarlySkipped {
			// 0-RTT data the server may have rejected: the client's
			// handshake records come after it.
			d.earlySkipped++
			return res, nil
		}
		return res, c.fail(dir, d, err)
	}
	d.seq++
	d.opened = true
	i := len(out) - 1
	for i >= 0 && out[i] == 0 {
		i--
	}
	if i < 0 {
		return res, fmt.Errorf("%w: %s record %d has no inner content type", ErrMalformed, dir, d.seq-1)
	}
	res.ContentType, res.Plaintext, res.Decrypted = out[i], out[:i], true
	if res.ContentType != typeHandshake {
		return res, nil
	}
	ev, err := d.hs.feed(res.Plaintext, false, nil)
	if err != nil {
		return res, err
	}
	switch {
	case ev.finished && d.phase == phaseHandshake:
		err = c.rekey13(dir, d, phaseApplication, d.app0)
	case ev.keyUpdate && d.phase == phaseApplication:
		var next []byte
		if next, err = nextSecret13(c.suite, d.secret); err == nil {
			err = c.rekey13(dir, d, phaseApplication, next)
		}
	}
	if err != nil && !errors.Is(err, ErrAuthentication) {
		err = fmt.Errorf("%s record %d: %w", dir, d.seq-1, err)
	}
	return res, err
}
