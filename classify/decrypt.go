package classify

import (
	"time"

	"github.com/esaflow/esaflow/classify/tlsdecrypt"
	"github.com/esaflow/esaflow/flow"
)

// decryption follows the SMTP dialogue inside a TLS session, for a
// Classifier given a key log: each whole TLS record goes to the
// decryptor, and the application data it yields is read as the clear-text
// dialogue is, from its own client and server modes.
type decryption struct {
	conn      *tlsdecrypt.Conn
	cmode     clientMode // the inner dialogue's
	smode     serverMode
	appData   int            // application data records decrypted
	alert     int            // the first decrypted alert's description, -1: none
	alertFrom flow.Direction // its sender
	at        time.Time      // the timestamp of the bytes being fed
}

// startDecryption hands both directions' records to a decryptor, if the
// Classifier has a key log with secrets in it (an empty one, as the
// engine makes to collect a capture's embedded secrets, costs nothing).
func (s *session) startDecryption() {
	if s.keys == nil || s.keys.Len() == 0 {
		return
	}
	s.dec = &decryption{conn: tlsdecrypt.NewConn(s.keys), alert: -1}
	s.ctls.onRecord, s.stls.onRecord = s.tlsRecord, s.tlsRecord
}

// tlsRecord takes one whole record of direction dir.
func (s *session) tlsRecord(dir flow.Direction, rec []byte) {
	d := s.dec
	from := tlsdecrypt.FromClient
	if dir == flow.ServerToClient {
		from = tlsdecrypt.FromServer
	}
	res, _ := d.conn.Record(from, rec) // a failure shows in the Conn's State
	if !res.Decrypted {
		return
	}
	switch res.ContentType {
	case tlsApplicationData:
		d.appData++
		if dir == flow.ClientToServer {
			s.inner(func() { s.clientBytes(res.Plaintext, d.at) })
		} else {
			s.inner(func() { s.serverBytes(res.Plaintext, d.at) })
		}
	case tlsAlert:
		if d.alert < 0 && len(res.Plaintext) >= 2 {
			d.alert, d.alertFrom = int(res.Plaintext[1]), dir
		}
	}
}

// inner runs f on the inner dialogue's modes.
func (s *session) inner(f func()) {
	d := s.dec
	outerC, outerS := s.cmode, s.smode
	s.cmode, s.smode, s.insideTLS = d.cmode, d.smode, true
	f()
	d.cmode, d.smode = s.cmode, s.smode
	s.cmode, s.smode, s.insideTLS = outerC, outerS, false
}

// decrypted reports whether the dialogue inside TLS was followed: the key
// log decrypted its application data.
func (s *session) decrypted() bool { return s.dec != nil && s.dec.appData > 0 }

// decryptionNoteText says a decryptionNote in words.
func decryptionNoteText(note string) string {
	switch note {
	case "no_keys":
		return "the key log has no secrets for this session"
	case "keys_do_not_match":
		return "the key log's secrets for this session do not decrypt it"
	case "unsupported":
		return "its version or cipher suite is not one esaflow decrypts"
	case "handshake_not_seen":
		return "the capture lacks its handshake"
	}
	return note
}

// decryptionNote says why a session whose key log was given was not
// decrypted (TLS.Decryption), or "".
func (s *session) decryptionNote() string {
	if s.dec == nil || s.decrypted() {
		return ""
	}
	switch s.dec.conn.State() {
	case tlsdecrypt.NoKeys:
		return "no_keys"
	case tlsdecrypt.Failed:
		return "keys_do_not_match"
	case tlsdecrypt.Unsupported:
		return "unsupported"
	case tlsdecrypt.Pending, tlsdecrypt.NotTLS:
		return "handshake_not_seen"
	}
	return ""
}
