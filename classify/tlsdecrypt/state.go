package tlsdecrypt

import "strconv"

// Direction tells which side sent a record.
type Direction uint8

const (
	// FromClient marks a record sent by the client (the side that sent
	// the ClientHello).
	FromClient Direction = iota
	// FromServer marks a record sent by the server.
	FromServer
)

// String returns "client" or "server".
func (d Direction) String() string {
	switch d {
	case FromClient:
		return "client"
	case FromServer:
		return "server"
	}
	return "direction(" + strconv.Itoa(int(d)) + ")"
}

// State is how far a Conn got with its connection.
type State uint8

const (
	// Pending means the ClientHello or the ServerHello has not been seen
	// yet, so nothing is decided.
	Pending State = iota
	// NoKeys means the key log has no usable secrets for the connection's
	// client random: nothing can be decrypted.
	NoKeys
	// Decrypting means the key log had the secrets for the version and
	// suite the ServerHello chose (the state is set then, before any
	// record is decrypted) and no record failed authentication.
	Decrypting
	// Failed means the key log had secrets for the client random but a
	// record failed authentication under them: the keys are wrong (they
	// belong to another session) or records are missing or damaged. The
	// direction that failed decrypts nothing more; the other goes on.
	Failed
	// NotTLS means the records do not start with a TLS ClientHello, or a
	// hello could not be parsed.
	NotTLS
	// Unsupported means the ServerHello chose a version or cipher suite
	// this package does not decrypt (TLS 1.0, 1.1, CCM, ...), or the
	// session renegotiated.
	Unsupported
)

// String returns the state's name in lower case, such as "decrypting".
func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case NoKeys:
		return "no-keys"
	case Decrypting:
		return "decrypting"
	case Failed:
		return "failed"
	case NotTLS:
		return "not-tls"
	case Unsupported:
		return "unsupported"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}
