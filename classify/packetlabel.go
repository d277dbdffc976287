package classify

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/esaflow/esaflow/flow"
)

// maxLabelBytes is the most payload bytes a label quotes; a ladder has
// room for fewer.
const maxLabelBytes = 200

// maxPendingCommands bounds the commands a PacketLabeler remembers
// awaiting a reply.
const maxPendingCommands = 64

// PacketLabel is what one packet carries, for drawing it.
type PacketLabel struct {
	// Content tells what the payload holds, escaped: a command line
	// (AUTH credentials as ***), the first line of a reply ("(+N lines)"
	// for a multi-line one), "message body (N bytes)", "BDAT chunk (N
	// bytes)", "TLS ClientHello", "N bytes not captured", ... It is "" for
	// a segment without payload.
	Content string
	// Retransmission is set when the segment carries only bytes (or a
	// SYN) its side already sent.
	Retransmission bool
}

// PacketLabeler names what each packet of one connection carries, for
// esaflow show's ladders. It reads the packets as they come, in capture
// order and without reassembly, and follows just enough of the dialogue
// to know what a payload is, with the parsers the verdict is decided
// with: reply lines, command verbs and their AUTH masking, BDAT sizes, TLS
// record and alert types, Escape. A label can be coarse on a lossy or
// reordered capture; the verdict never depends on it. The zero value is
// ready; one PacketLabeler per connection, used by one goroutine.
type PacketLabeler struct {
	seqEnd  [2]uint32 // highest sequence number sent, per side
	seqSeen [2]bool
	synSeen [2]bool

	greeted   bool   // the server's greeting was seen
	pending   []verb // the commands not answered yet, oldest first
	tls       bool   // both sides speak TLS (after STARTTLS's 220)
	auth      bool   // inside an AUTH exchange: client lines are credentials
	body      bool   // the client sends a message body
	bodyTail  []byte
	bdatLeft  int64  // bytes of a BDAT chunk still to come
	tlsLeft   [2]int // bytes of a TLS record that continue in the next segment
	tlsCipher [2]bool
	missing   int // payload bytes of the current segment the snap length cut
	// dec names what TLS records carry when a key log opens them
	// (DecryptWith); nil: no key log.
	dec *labelDecryption
}

// Label names what seg carries; fromClient tells who sent it. seg is read
// during the call only.
func (l *PacketLabeler) Label(seg *flow.Segment, fromClient bool) PacketLabel {
	side := flow.ServerToClient
	if fromClient {
		side = flow.ClientToServer
	}
	var p PacketLabel
	p.Retransmission = l.retransmitted(seg, side)
	if len(seg.Payload) == 0 {
		if seg.WireLen > 0 {
			p.Content = fmt.Sprintf("%d bytes not captured", seg.WireLen)
		}
		return p
	}
	if p.Retransmission {
		p.Content = fmt.Sprintf("%d bytes again", seg.WireLen)
		return p
	}
	switch {
	case l.tls || l.tlsLeft[side] > 0 || (!l.body && l.bdatLeft == 0 && isTLSRecord(seg.Payload)):
		p.Content = l.tlsRecords(seg.Payload, side)
		if l.dec != nil {
			if inside := l.dec.decrypted(seg.Payload, side, l.greeted); inside != "" {
				p.Content = inside
			}
		}
	case fromClient:
		l.missing = seg.WireLen - len(seg.Payload)
		p.Content = l.client(seg.Payload)
	default:
		p.Content = l.server(seg.Payload, seg.Truncated)
	}
	if seg.Truncated {
		p.Content += fmt.Sprintf(" (%d of %d bytes captured)", len(seg.Payload), seg.WireLen)
	}
	return p
}

// retransmitted tells whether seg carries only what its side already sent,
// and remembers how far the side got.
func (l *PacketLabeler) retransmitted(seg *flow.Segment, side flow.Direction) bool {
	if seg.Flags&flow.FlagSYN != 0 {
		again := l.synSeen[side]
		l.synSeen[side] = true
		l.seqEnd[side], l.seqSeen[side] = seg.Seq+1, true
		return again
	}
	if seg.WireLen == 0 {
		return false
	}
	end := seg.Seq + uint32(seg.WireLen)
	if l.seqSeen[side] && int32(end-l.seqEnd[side]) <= 0 {
		return true
	}
	l.seqEnd[side], l.seqSeen[side] = end, true
	return false
}

// client labels client bytes: commands, message body, BDAT chunks.
func (l *PacketLabeler) client(p []byte) string {
	var parts []string
	for len(p) > 0 {
		switch {
		case l.bdatLeft > 0:
			n := min(int64(len(p)), l.bdatLeft)
			used := n
			if n == int64(len(p)) {
				used = min(n+int64(l.missing), l.bdatLeft) // the cut bytes are chunk too
			}
			l.bdatLeft -= used
			parts = append(parts, fmt.Sprintf("BDAT chunk (%d bytes)", used))
			p = p[n:]
		case l.body:
			var label string
			label, p = l.bodyPart(p)
			parts = append(parts, label)
		default:
			line := p
			if i := bytes.IndexByte(p, '\n'); i >= 0 {
				line = p[:i+1]
			}
			p = p[len(line):]
			parts = append(parts, l.command(line))
		}
	}
	return strings.Join(parts, "; ")
}

// bodyPart labels the message body at the start of p and returns the rest
// of p after the body's final dot, if it came.
func (l *PacketLabeler) bodyPart(p []byte) (label string, rest []byte) {
	seen := append(append([]byte(nil), l.bodyTail...), p...)
	end := bytes.Index(seen, []byte("\r\n.\r\n"))
	if end < 0 {
		l.bodyTail = append(l.bodyTail[:0], seen[max(len(seen)-4, 0):]...)
		return fmt.Sprintf("message body (%d bytes)", len(p)+l.missing), nil
	}
	n := end + 5 - len(l.bodyTail) // bytes of p up to the final dot
	l.body, l.bodyTail = false, nil
	l.pend(verbDataEnd)
	if n <= 3 {
		return "end of message (.)", p[n:]
	}
	return fmt.Sprintf("message body (%d bytes) and its end (.)", n), p[n:]
}

// command labels one client line as its Reply.Command would show it, and
// follows the dialogue's state.
func (l *PacketLabeler) command(line []byte) string {
	if l.auth {
		return "***"
	}
	line = trimLine(line)
	v := parseVerb(line)
	l.pend(v)
	switch v {
	case verbAUTH:
		l.auth = true
	case verbBDAT:
		if n, _, ok := bdatArgs(line); ok && n > 0 {
			l.bdatLeft = n
		}
	}
	return commandText(v, head(line))
}

// pend remembers a command awaiting its reply.
func (l *PacketLabeler) pend(v verb) {
	if len(l.pending) == maxPendingCommands {
		l.pending = l.pending[1:]
	}
	l.pending = append(l.pending, v)
}

// server labels server bytes: the first line of each reply, and how many
// lines follow it. When the snap length cut the segment, its last reply
// is taken as complete.
func (l *PacketLabeler) server(p []byte, truncated bool) string {
	var parts []string
	var first []byte
	n := 0
	for _, line := range splitLines(p) {
		line = trimLine(line)
		if n == 0 {
			first = line
		}
		n++
		if code, last, ok := replyCode(line); last {
			if ok {
				l.answer(code)
			}
			parts = append(parts, Escape(head(first))+moreLines(n))
			n = 0
		}
	}
	if n > 0 {
		parts = append(parts, Escape(head(first))+moreLines(n))
		if code, _, ok := replyCode(first); truncated && ok {
			l.answer(code)
		}
	}
	return strings.Join(parts, "; ")
}

// replyCode reads a server line as the verdict does: a reply line's code
// and whether it ends its reply, or the class of a line that carries an
// enhanced status code alone (FlagMalformedReply). Any other line ends
// what it belongs to, without a code.
func replyCode(line []byte) (code int, last, ok bool) {
	if r, ok := parseReplyLine(line); ok {
		return r.code, r.last, true
	}
	if code, _, ok := parseEnhancedOnly(line); ok {
		return code, true, true
	}
	return 0, true, false
}

// answer follows the dialogue's state on a reply with code: the greeting,
// an AUTH challenge, or the answer to the oldest pending command.
func (l *PacketLabeler) answer(code int) {
	if !l.greeted {
		l.greeted = true
		return
	}
	if l.body {
		// A reply during the body: its end was not captured (or the
		// server gave up on it); this answers it.
		l.body, l.bodyTail = false, nil
		return
	}
	if (l.auth && code == 334) || len(l.pending) == 0 {
		return
	}
	v := l.pending[0]
	l.pending = l.pending[1:]
	switch v {
	case verbAUTH:
		l.auth = false
	case verbDATA:
		if code == 354 {
			// The DATA line's end counts for the final "\r\n.\r\n".
			l.body, l.bodyTail = true, []byte("\r\n")
		}
	case verbSTARTTLS:
		l.tls = code == 220
	}
}

// tlsRecords names the TLS records a segment holds.
func (l *PacketLabeler) tlsRecords(p []byte, side flow.Direction) string {
	var names []string
	if n := min(l.tlsLeft[side], len(p)); n > 0 {
		l.tlsLeft[side] -= n
		p = p[n:]
		names = append(names, fmt.Sprintf("continued (%d bytes)", n))
	}
	for len(p) >= 5 {
		if !isTLSRecord(p) {
			names = append(names, fmt.Sprintf("%d bytes not TLS", len(p)))
			break
		}
		size := int(p[3])<<8 | int(p[4])
		names = append(names, l.tlsRecord(p, size, side))
		if 5+size > len(p) {
			l.tlsLeft[side] = 5 + size - len(p)
			break
		}
		p = p[5+size:]
	}
	if len(names) == 0 {
		return fmt.Sprintf("TLS (%d bytes)", len(p))
	}
	if len(names) > 3 {
		names = append(names[:3], fmt.Sprintf("+%d records", len(names)-3))
	}
	return "TLS " + strings.Join(names, ", ")
}

// handshakeNames names the TLS handshake messages by type.
var handshakeNames = map[byte]string{
	1: "ClientHello", hsServerHello: "ServerHello", 4: "NewSessionTicket", 8: "EncryptedExtensions",
	hsCertificate: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest",
	hsServerDone: "ServerHelloDone", 15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished",
}

// tlsRecord names one record whose header starts p, without "TLS ".
func (l *PacketLabeler) tlsRecord(p []byte, size int, side flow.Direction) string {
	switch p[0] {
	case tlsChangeCipherSpec:
		l.tlsCipher[side] = true
		return "ChangeCipherSpec"
	case tlsAlert:
		if size == 2 && len(p) >= 7 && !l.tlsCipher[side] {
			return "alert " + alertName(int(p[6]))
		}
		return "alert"
	case tlsApplicationData:
		return fmt.Sprintf("application data (%d bytes)", size)
	}
	if l.tlsCipher[side] || len(p) < 6 {
		return fmt.Sprintf("handshake (%d bytes)", size)
	}
	if name, ok := handshakeNames[p[5]]; ok {
		return name
	}
	return fmt.Sprintf("handshake type %d", p[5])
}

// splitLines splits p after each "\n"; a last line without one is kept.
func splitLines(p []byte) [][]byte {
	lines := bytes.SplitAfter(p, []byte("\n"))
	if len(lines) > 1 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// trimLine drops a line's "\r\n" or "\n".
func trimLine(line []byte) []byte {
	return trimCR(bytes.TrimSuffix(line, []byte("\n")))
}

// head returns at most maxLabelBytes of line.
func head(line []byte) []byte { return line[:min(len(line), maxLabelBytes)] }

// moreLines is " (+N lines)" for a segment of n > 1 lines.
func moreLines(n int) string {
	switch n {
	case 0, 1:
		return ""
	case 2:
		return " (+1 line)"
	}
	return fmt.Sprintf(" (+%d lines)", n-1)
}
