package classify

import (
	"crypto/tls"
	"fmt"

	"github.com/esaflow/esaflow/flow"
)

// maxAlertRecord is the largest encrypted TLS 1.3 record taken for an
// alert: two bytes of alert, the inner content type and a 16-byte AEAD
// tag make 19; a few bytes more allow for padding. A Finished message is
// never this short (at least 53 bytes encrypted).
const maxAlertRecord = 24

// tls13Phase is how far a TLS 1.3 handshake got, judged from the sizes
// and order of its encrypted records: past the ServerHello every record
// is encrypted, alerts included, so only their shape tells success from
// failure.
type tls13Phase uint8

const (
	// tls13Hello: the ServerHello chose TLS 1.3; the client's first
	// encrypted record has not come yet.
	tls13Hello tls13Phase = iota
	// tls13ClientFinished: the client's first encrypted record was longer
	// than an alert: its Finished (after a Certificate, maybe).
	tls13ClientFinished
	// tls13ServerAnswered: then the server sent a record longer than an
	// alert (session tickets, a reply).
	tls13ServerAnswered
	// tls13Established: then the client sent a record too: a round trip
	// over the finished handshake, the session is up.
	tls13Established
	// tls13ClientAborted: the client's first encrypted record had an
	// alert's size: it refused the server's handshake.
	tls13ClientAborted
	// tls13ServerAborted: after the client's Finished, the server sent
	// only a record of an alert's size and closed: it refused the client.
	// (A server that first sent a longer record, its session tickets,
	// took the handshake; what it said next is encrypted.)
	tls13ServerAborted
	// tls13ClientLeft: the client sent its Finished and closed without
	// one record more: it refused the session once the handshake was
	// over (a certificate check after the handshake).
	tls13ClientLeft
)

// tls13Watch follows the encrypted records of both directions of a TLS
// 1.3 session in capture order. It is active once the server's
// ServerHello chose TLS 1.3.
type tls13Watch struct {
	active    bool
	phase     tls13Phase
	srvAlert  int // length of the server's last record when alert-sized, else 0
	abortLen  int // length of the record the abort is read from
	cliFinLen int // length of the client's first encrypted record
	cliMore   int // client records after that one, before the round trip
}

// record notes one record header: its content type and length, from dir.
func (w *tls13Watch) record(dir flow.Direction, typ byte, n int) {
	if w == nil || !w.active || typ != tlsApplicationData {
		return
	}
	alertSized := n <= maxAlertRecord
	switch w.phase {
	case tls13Hello:
		if dir == flow.ClientToServer {
			if alertSized {
				w.phase, w.abortLen = tls13ClientAborted, n
			} else {
				w.phase, w.cliFinLen = tls13ClientFinished, n
			}
		}
	case tls13ClientFinished, tls13ServerAnswered:
		switch {
		case dir == flow.ClientToServer:
			w.cliMore++
			if w.phase == tls13ServerAnswered {
				w.phase = tls13Established
			}
		case alertSized:
			w.srvAlert = n
		default:
			w.srvAlert = 0
			w.phase = tls13ServerAnswered
		}
	}
}

// closed notes a FIN or RST from dir.
func (w *tls13Watch) closed(dir flow.Direction) {
	if w == nil || !w.active || (w.phase != tls13ClientFinished && w.phase != tls13ServerAnswered) {
		return
	}
	switch {
	case dir == flow.ServerToClient && w.srvAlert > 0 && w.phase == tls13ClientFinished:
		w.phase, w.abortLen = tls13ServerAborted, w.srvAlert
	case dir == flow.ClientToServer && w.cliMore == 0:
		w.phase = tls13ClientLeft
	}
}

// failed reports whether the records show a failed handshake.
func (w *tls13Watch) failed() bool {
	return w != nil && w.active && (w.phase == tls13ClientAborted || w.phase == tls13ServerAborted || w.phase == tls13ClientLeft)
}

// inference says in words how failed read the records.
func (w *tls13Watch) inference() string {
	switch w.phase {
	case tls13ClientAborted:
		return fmt.Sprintf("TLS 1.3 handshake failed: the client's first encrypted record was %d bytes, an alert's size, not a Finished (it refused the server's certificate, most likely)", w.abortLen)
	case tls13ServerAborted:
		return fmt.Sprintf("TLS 1.3 handshake failed: after the client's %d-byte Finished the server sent a %d-byte record, an alert's size, and closed before any exchange (it refused the client, e.g. a required client certificate)", w.cliFinLen, w.abortLen)
	case tls13ClientLeft:
		return fmt.Sprintf("TLS 1.3 handshake failed: the client sent its %d-byte Finished and closed without one record more (it refused the server's certificate after the handshake, most likely)", w.cliFinLen)
	}
	return ""
}

// activate starts the watch when a ServerHello chose TLS 1.3.
func (w *tls13Watch) activate(version uint16) {
	if w != nil && version == tls.VersionTLS13 {
		w.active = true
	}
}
