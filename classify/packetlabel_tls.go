package classify

import (
	"strings"

	"github.com/esaflow/esaflow/classify/tlsdecrypt"
	"github.com/esaflow/esaflow/flow"
)

// labelDecryption names what TLS records carry once a key log opens them:
// the records of each side are assembled across segments, decrypted, and
// their plaintext named as the dialogue in clear is, by a labeler of its
// own.
type labelDecryption struct {
	keys  *tlsdecrypt.KeyLog
	conn  *tlsdecrypt.Conn
	inner *PacketLabeler
	asm   [2][]byte // bytes of each side not yet a whole record
	off   bool      // the session does not decrypt: stop assembling
}

// maxAssembled bounds the bytes a side may hold while a record is
// assembled: a TLS record is at most 18 KiB and a header.
const maxAssembled = 1<<14 + 2048 + 5

// DecryptWith makes the labeler name what TLS records carry when keys
// holds their session's secrets (see Classifier.DecryptWith): a segment
// of application data is named by the commands and replies inside it.
func (l *PacketLabeler) DecryptWith(keys *tlsdecrypt.KeyLog) {
	if keys != nil {
		l.dec = &labelDecryption{keys: keys}
	}
}

// decrypted names the plaintext of the whole records p completes for
// side, or "" when none decrypts.
func (d *labelDecryption) decrypted(p []byte, side flow.Direction, greeted bool) string {
	if d.off {
		return ""
	}
	if d.conn == nil {
		if d.keys.Len() == 0 {
			d.off = true
			return ""
		}
		d.conn = tlsdecrypt.NewConn(d.keys)
		d.inner = &PacketLabeler{greeted: greeted}
	}
	from := tlsdecrypt.FromClient
	if side == flow.ServerToClient {
		from = tlsdecrypt.FromServer
	}
	buf := append(d.asm[side], p...)
	var names []string
	for len(buf) >= 5 {
		n := 5 + (int(buf[3])<<8 | int(buf[4]))
		if n > len(buf) {
			break
		}
		res, _ := d.conn.Record(from, buf[:n])
		buf = buf[n:]
		if !res.Decrypted || len(res.Plaintext) == 0 {
			continue
		}
		switch res.ContentType {
		case tlsApplicationData:
			if side == flow.ClientToServer {
				names = append(names, d.inner.client(res.Plaintext))
			} else {
				names = append(names, d.inner.server(res.Plaintext, false))
			}
		case tlsAlert:
			if len(res.Plaintext) >= 2 {
				names = append(names, "alert "+alertName(int(res.Plaintext[1])))
			}
		}
	}
	if len(buf) > maxAssembled || d.conn.State() == tlsdecrypt.NoKeys || d.conn.State() == tlsdecrypt.NotTLS {
		d.off, buf = true, nil
	}
	d.asm[side] = append(d.asm[side][:0], buf...)
	if len(names) == 0 {
		return ""
	}
	return "decrypted: " + strings.Join(names, "; ")
}
