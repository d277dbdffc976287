package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

// maxLabelBytes is the most payload bytes a label quotes; the ladder has
// room for fewer.
const maxLabelBytes = 200

// maxPendingCommands bounds the commands a labeler remembers awaiting a reply.
const maxPendingCommands = 64

// Directions of a labeler's per-side state.
const (
	sideClient = 0
	sideServer = 1
)

// labeler turns the segments of one connection, in capture order, into
// ladder packets. It follows just enough of the SMTP dialogue to name what
// a segment holds: a command, a reply, message body, TLS records. It reads
// segments as they come, without reassembly, so a label can be coarse on a
// lossy or reordered capture; the verdict never depends on it.
type labeler struct {
	seqEnd  [2]uint32 // highest sequence number sent, per side
	seqSeen [2]bool
	synSeen [2]bool

	greeted   bool     // the server's greeting was seen
	pending   []string // verbs of the commands not answered yet, oldest first
	tls       bool     // both sides speak TLS (after STARTTLS's 220)
	auth      bool     // inside an AUTH exchange: client lines are credentials
	body      bool     // the client sends a message body
	bodyTail  []byte
	bdatLeft  int64  // bytes of a BDAT chunk still to come
	tlsLeft   [2]int // bytes of a TLS record that continue in the next segment
	tlsCipher [2]bool
	missing   int      // payload bytes of the current segment the snap length cut
	ttl       [2]uint8 // TTL of each side's first packet without RST (0: none yet)
}

// packet labels one segment.
func (l *labeler) packet(seg *flow.Segment, fromClient bool) report.LadderPacket {
	side := sideServer
	if fromClient {
		side = sideClient
	}
	p := report.LadderPacket{Time: seg.Time, FromClient: fromClient, Flags: flagNames(seg.Flags)}
	if l.ttl[side] == 0 && seg.Flags&flow.FlagRST == 0 {
		l.ttl[side] = seg.TTL
	} else if l.ttl[side] != 0 && seg.TTL != l.ttl[side] {
		// A packet in this side's name with another TTL: say so, it is
		// how a forged reset gives itself away.
		p.Flags += fmt.Sprintf(" (TTL %d, the side's first packet %d)", seg.TTL, l.ttl[side])
	}
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
	case l.tls || l.tlsLeft[side] > 0 || (!l.body && l.bdatLeft == 0 && looksTLS(seg.Payload)):
		p.Content = l.tlsRecords(seg.Payload, side)
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
func (l *labeler) retransmitted(seg *flow.Segment, side int) bool {
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
func (l *labeler) client(p []byte) string {
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
func (l *labeler) bodyPart(p []byte) (label string, rest []byte) {
	seen := append(append([]byte(nil), l.bodyTail...), p...)
	end := bytes.Index(seen, []byte("\r\n.\r\n"))
	if end < 0 {
		l.bodyTail = append(l.bodyTail[:0], seen[max(len(seen)-4, 0):]...)
		return fmt.Sprintf("message body (%d bytes)", len(p)+l.missing), nil
	}
	n := end + 5 - len(l.bodyTail) // bytes of p up to the final dot
	l.body, l.bodyTail = false, nil
	l.pend(".")
	if n <= 3 {
		return "end of message (.)", p[n:]
	}
	return fmt.Sprintf("message body (%d bytes) and its end (.)", n), p[n:]
}

// command labels one client line and follows the dialogue's state.
func (l *labeler) command(line []byte) string {
	if l.auth {
		return "***"
	}
	verb, args, _ := strings.Cut(strings.ToUpper(string(head(trimLine(line)))), " ")
	l.pend(verb)
	switch verb {
	case "AUTH":
		l.auth = true
	case "BDAT":
		f := strings.Fields(args)
		if len(f) > 0 {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil && n > 0 {
				l.bdatLeft = n
			}
		}
	}
	return classify.CommandLabel(trimLine(head(line)))
}

// pend remembers a command awaiting its reply.
func (l *labeler) pend(verb string) {
	if len(l.pending) == maxPendingCommands {
		l.pending = l.pending[1:]
	}
	l.pending = append(l.pending, verb)
}

// server labels server bytes: the first line of each reply, and how many
// lines follow it. When the snap length cut the segment, its last reply
// is taken as complete.
func (l *labeler) server(p []byte, truncated bool) string {
	var parts []string
	var first []byte
	n := 0
	for _, line := range splitLines(p) {
		line = trimLine(line)
		if n == 0 {
			first = line
		}
		n++
		if l.reply(line) {
			parts = append(parts, classify.Escape(head(first))+moreLines(n))
			n = 0
		}
	}
	if n > 0 {
		parts = append(parts, classify.Escape(head(first))+moreLines(n))
		if truncated && len(first) >= 3 {
			l.answer(string(first[:3]))
		}
	}
	return strings.Join(parts, "; ")
}

// reply follows the dialogue's state on one server line and tells
// whether the line ends a reply.
func (l *labeler) reply(line []byte) (final bool) {
	if len(line) > 3 && line[3] == '-' {
		return false
	}
	if len(line) >= 3 {
		l.answer(string(line[:3]))
	}
	return true
}

// answer follows the dialogue's state on a reply with code: the greeting,
// an AUTH challenge, or the answer to the oldest pending command.
func (l *labeler) answer(code string) {
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
	if (l.auth && code == "334") || len(l.pending) == 0 {
		return
	}
	verb := l.pending[0]
	l.pending = l.pending[1:]
	switch verb {
	case "AUTH":
		l.auth = false
	case "DATA":
		if code == "354" {
			// The DATA line's end counts for the final "\r\n.\r\n".
			l.body, l.bodyTail = true, []byte("\r\n")
		}
	case "STARTTLS":
		l.tls = code == "220"
	}
}

// tlsRecords names the TLS records a segment holds.
func (l *labeler) tlsRecords(p []byte, side int) string {
	var names []string
	if n := min(l.tlsLeft[side], len(p)); n > 0 {
		l.tlsLeft[side] -= n
		p = p[n:]
		names = append(names, fmt.Sprintf("continued (%d bytes)", n))
	}
	for len(p) >= 5 {
		if !looksTLS(p) {
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
	1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 8: "EncryptedExtensions",
	11: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest",
	14: "ServerHelloDone", 15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished",
}

// tlsRecord names one record whose header starts p, without "TLS ".
func (l *labeler) tlsRecord(p []byte, size, side int) string {
	switch p[0] {
	case 20:
		l.tlsCipher[side] = true
		return "ChangeCipherSpec"
	case 21:
		if size == 2 && len(p) >= 7 && !l.tlsCipher[side] {
			return "alert " + classify.TLSAlertName(int(p[6]))
		}
		return "alert"
	case 23:
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

// looksTLS tells whether p starts like a TLS record: a content type from
// 0x14 to 0x17, then major version 3.
func looksTLS(p []byte) bool {
	return len(p) >= 2 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 3
}

// flagNames names TCP flags the way the Cisco articles do: "SYN/ACK",
// "FIN/ACK", "RST".
func flagNames(f uint8) string {
	var names []string
	for _, n := range []struct {
		bit  uint8
		name string
	}{
		{flow.FlagSYN, "SYN"}, {flow.FlagFIN, "FIN"}, {flow.FlagRST, "RST"}, {flow.FlagPSH, "PSH"},
		{flow.FlagURG, "URG"}, {0x40, "ECE"}, {0x80, "CWR"}, {flow.FlagACK, "ACK"},
	} {
		if f&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "no flags"
	}
	return strings.Join(names, "/")
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
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
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
