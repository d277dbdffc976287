package tlsdecrypt

import "errors"

// ErrNotTLS is returned by Conn.Record when the connection does not start
// with a TLS ClientHello from the client, or its hellos cannot be parsed;
// the Conn is then in state NotTLS.
var ErrNotTLS = errors.New("tlsdecrypt: not a TLS connection")

// ErrMalformed is returned by Conn.Record for a record whose header or
// length is wrong, or whose decrypted content is not valid TLS.
var ErrMalformed = errors.New("tlsdecrypt: malformed record")

// ErrAuthentication is returned by Conn.Record for an encrypted record that
// fails authentication under the keys of the key log: the keys belong to
// another session, or records are missing or damaged. The Conn is then in
// state Failed and decrypts nothing more in that direction.
var ErrAuthentication = errors.New("tlsdecrypt: record failed authentication")

// ErrUnsupported is returned by Conn.Record when the ServerHello chose a
// version or cipher suite this package does not decrypt, or the session
// renegotiated; the Conn is then in state Unsupported.
var ErrUnsupported = errors.New("tlsdecrypt: unsupported TLS version or cipher suite")
