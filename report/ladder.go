package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/esaflow/esaflow/classify"
)

// LadderPacket is one packet of a connection, as the ladder draws it.
type LadderPacket struct {
	// Time is the packet's capture timestamp.
	Time time.Time
	// FromClient is set for packets the client (the remote MTA) sent.
	FromClient bool
	// Flags names the TCP flags the way the Cisco articles do: "SYN",
	// "SYN/ACK", "ACK", "PSH/ACK", "FIN/ACK", "RST/ACK", "RST".
	Flags string
	// Content tells what the payload holds, already escaped: a command
	// line, a reply line, "message body (N bytes)", "TLS ClientHello", ...
	// It is "" for a segment without payload.
	Content string
	// Retransmission is set when the segment carries only bytes (or a
	// SYN) already seen.
	Retransmission bool
}

// Ladder is one connection to draw: its decided record and its packets in
// capture order.
type Ladder struct {
	Record  *classify.Record
	Packets []LadderPacket
}

// LadderOptions are the settings of WriteLadder.
type LadderOptions struct {
	// Color adds ANSI colours: client arrows cyan, server arrows yellow,
	// resets red.
	Color bool
	// Width is the most columns a line takes (a terminal's width); 0 is
	// the default, 100, which pastes well into an issue. It is taken
	// between 60 and 240.
	Width int
}

// ladderGeom is the geometry of one drawing: its width, the lane between
// the two posts, the widest label an arrow holds.
type ladderGeom struct{ width, lane, label int }

// geometry returns the drawing's geometry for opts.
func (opts LadderOptions) geometry() ladderGeom {
	w := opts.Width
	if w <= 0 {
		w = ladderWidth
	}
	w = min(max(w, 60), 240)
	lane := w - ladderIndent - 2
	return ladderGeom{width: w, lane: lane, label: lane - 2 - len("---- ") - len(" ->")}
}

// Ladder geometry: by default every line fits in ladderWidth columns.
const (
	ladderWidth     = 100
	ladderTimeWidth = 12 // "+0.000512s", right-aligned
	ladderGap       = 2
	ladderIndent    = ladderTimeWidth + ladderGap
	// ladderHead and ladderTail bound a long ladder: the first
	// ladderHead and the last ladderTail packets are drawn.
	ladderHead = 400
	ladderTail = 100
	// ladderKeyWidth is the width of the keys of the summary.
	ladderKeyWidth = 13
)

// ANSI colours.
const (
	ansiClient = "\x1b[36m"
	ansiServer = "\x1b[33m"
	ansiReset  = "\x1b[31m"
	ansiBold   = "\x1b[1m"
	ansiOff    = "\x1b[0m"
)

// WriteLadder draws one connection as a packet ladder, like the Cisco
// articles draw REJECT and TCPREFUSE: a header with the two sides, one
// arrow per packet with its time since the first packet, then the verdict
// and how it was decided. The output is ASCII, at most opts.Width columns
// wide (100 by default; without the colour sequences), and depends only on
// l and opts.
func WriteLadder(w io.Writer, l *Ladder, opts LadderOptions) error {
	var b bytes.Buffer
	g := opts.geometry()
	r := l.Record
	title := fmt.Sprintf("connection %d: %s", r.ID, r.Verdict)
	if r.Outcome != classify.OutcomeNone {
		title += " " + r.Outcome.String()
	}
	if !r.Start.IsZero() {
		title += "  (" + formatTableTime(r.Start) + " UTC)"
	}
	b.WriteString(paint(opts.Color, ansiBold, title) + "\n\n")
	writeLadderSides(&b, g, formatEndpoint(r.Client, r.ClientPort), formatEndpoint(r.Server, r.ServerPort))
	writeLadderPackets(&b, g, l.Packets, opts.Color)
	b.WriteString("\n")
	writeLadderSummary(&b, g, r)
	_, err := w.Write(b.Bytes())
	return err
}

// writeLadderSides writes the column titles: the client on the left post,
// the server right-aligned on the right post.
func writeLadderSides(b *bytes.Buffer, g ladderGeom, client, server string) {
	pad := strings.Repeat(" ", ladderIndent)
	pair := func(left, right string) {
		n := g.lane - len(left) - len(right)
		if n < 1 {
			// Long IPv6 addresses: one side per line.
			b.WriteString(pad + left + "\n")
			b.WriteString(pad + strings.Repeat(" ", max(g.lane-len(right), 0)) + right + "\n")
			return
		}
		b.WriteString(pad + left + strings.Repeat(" ", n) + right + "\n")
	}
	pair("Remote MTA", "Gateway")
	pair(ladderText(client), ladderText(server))
}

// writeLadderPackets writes one arrow per packet; a long ladder loses its
// middle.
func writeLadderPackets(b *bytes.Buffer, g ladderGeom, pkts []LadderPacket, color bool) {
	if len(pkts) == 0 {
		b.WriteString(strings.Repeat(" ", ladderIndent) + "(no packet of this connection was found)\n")
		return
	}
	first := pkts[0].Time
	for i := range pkts {
		if len(pkts) > ladderHead+ladderTail && i == ladderHead {
			skipped := len(pkts) - ladderHead - ladderTail
			fmt.Fprintf(b, "%*s  |%s|\n", ladderTimeWidth, "", centre(fmt.Sprintf(" ... %d packets not drawn ... ", skipped), g.lane-2))
		}
		if len(pkts) > ladderHead+ladderTail && i >= ladderHead && i < len(pkts)-ladderTail {
			continue
		}
		p := &pkts[i]
		fmt.Fprintf(b, "%*s  |%s|\n", ladderTimeWidth, relTime(p.Time.Sub(first)), arrow(g, p, color))
	}
}

// relTime formats the time since the first packet, e.g. "+0.000512s".
func relTime(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	return fmt.Sprintf("%s%d.%06ds", sign, d/time.Second, (d%time.Second)/time.Microsecond)
}

// arrow draws the inside of one lane: "---- SYN ------>" or
// "<--- 554 ... ----".
func arrow(g ladderGeom, p *LadderPacket, color bool) string {
	label := packetLabel(g, p)
	inner := g.lane - 2
	var s string
	if p.FromClient {
		s = "---- " + label + " " + strings.Repeat("-", inner-len("---- ")-len(label)-2) + ">"
	} else {
		s = "<--- " + label + " " + strings.Repeat("-", inner-len("<--- ")-len(label)-1)
	}
	switch {
	case strings.Contains(p.Flags, "RST"):
		return paint(color, ansiReset, s)
	case p.FromClient:
		return paint(color, ansiClient, s)
	}
	return paint(color, ansiServer, s)
}

// packetLabel is the text on a packet's arrow, at most g.label
// columns: the flags of a segment without payload, else its content with
// the flags when they say more than PSH/ACK.
func packetLabel(g ladderGeom, p *LadderPacket) string {
	label := ladderText(p.Flags)
	var suffix string
	if p.Content != "" {
		label = ladderText(p.Content)
		if p.Flags != "ACK" && p.Flags != "PSH/ACK" {
			suffix = " [" + ladderText(p.Flags) + "]"
		}
	}
	if p.Retransmission {
		suffix += " (retransmission)"
	}
	return shortenASCII(label, g.label-len(suffix)) + suffix
}

// writeLadderSummary writes the verdict and everything the record tells
// about how it was decided.
func writeLadderSummary(b *bytes.Buffer, g ladderGeom, r *classify.Record) {
	verdict := r.Verdict.String()
	if r.Outcome != classify.OutcomeNone {
		verdict += ", outcome " + r.Outcome.String()
	}
	summaryLine(b, g, "verdict", verdict)
	summaryLine(b, g, "explanation", r.Explanation)
	if r.Reason != "" {
		summaryLine(b, g, "reason", r.Reason)
	}
	if r.BannerCode != 0 {
		summaryLine(b, g, "banner", fmt.Sprintf("%d %s", r.BannerCode, firstLine(r.Banner)))
	}
	for i, f := range r.Flags {
		key := ""
		if i == 0 {
			key = "flags"
		}
		summaryLine(b, g, key, string(f.Name)+": "+f.Evidence)
		if help := classify.FlagHelp(f.Name); help != "" {
			summaryLine(b, g, "", "  "+help)
		}
	}
	history := r.History
	if r.ConnState != "" {
		history += " (conn_state " + r.ConnState + ")"
	}
	if r.ClosedBy != "" {
		history += ", closed by " + r.ClosedBy
	}
	summaryLine(b, g, "history", history)
	if tls := tlsSummary(&r.TLS); tls != "" {
		summaryLine(b, g, "tls", tls)
	}
	summaryLine(b, g, "packets", fmt.Sprintf("client %d (%d bytes of payload), server %d (%d bytes of payload)",
		r.ClientPackets, r.ClientBytes, r.ServerPackets, r.ServerBytes))
}

// tlsSummary tells in one line what happened with TLS, or "" when it
// played no part.
func tlsSummary(t *classify.TLS) string {
	var parts []string
	switch {
	case t.Implicit:
		parts = append(parts, "implicit TLS")
	case t.Attempted:
		parts = append(parts, "STARTTLS sent")
	case t.Offered:
		parts = append(parts, "STARTTLS offered, not used")
	}
	if t.Result != "" {
		parts = append(parts, "result "+t.Result)
	}
	if t.Version != "" {
		parts = append(parts, t.Version)
	}
	if t.Cipher != "" {
		parts = append(parts, t.Cipher)
	}
	switch {
	case t.Decrypted:
		parts = append(parts, "decrypted with the key log")
	case t.Decryption != "":
		parts = append(parts, "not decrypted ("+t.Decryption+")")
	}
	if t.Alert != "" {
		alert := "alert " + t.Alert
		if t.AlertFrom != "" {
			alert += " from the " + t.AlertFrom
		}
		parts = append(parts, alert)
	}
	if t.CertSubject != "" {
		parts = append(parts, "certificate "+t.CertSubject)
	}
	if t.CertIssuer != "" {
		parts = append(parts, "issued by "+t.CertIssuer)
	}
	return strings.Join(parts, ", ")
}

// summaryLine writes "key  value", the value wrapped at ladderWidth
// columns under itself.
func summaryLine(b *bytes.Buffer, g ladderGeom, key, value string) {
	indent := strings.Repeat(" ", ladderKeyWidth+2)
	prefix := fmt.Sprintf("  %-*s", ladderKeyWidth, key)
	for i, line := range wrapWords(ladderText(value), g.width-len(indent)) {
		if i > 0 {
			prefix = indent
		}
		b.WriteString(strings.TrimRight(prefix+line, " ") + "\n")
	}
}

// wrapWords splits s into lines of at most width columns at spaces; a
// word longer than width is cut.
func wrapWords(s string, width int) []string {
	var lines []string
	for len(s) > width {
		cut := strings.LastIndexByte(s[:width+1], ' ')
		if cut <= 0 {
			lines = append(lines, s[:width])
			s = s[width:]
			continue
		}
		lines = append(lines, s[:cut])
		s = strings.TrimLeft(s[cut:], " ")
	}
	return append(lines, s)
}

// firstLine returns s up to its first "\n" (an escaped reply's line
// break is a real newline in Record texts).
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// shortenASCII returns s shortened to n columns with "..." at the end,
// never cutting an escape in half (see shorten).
func shortenASCII(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimSuffix(shorten(s, n-2), ellipsis) + "..."
}

// centre pads s with spaces on both sides to width columns.
func centre(s string, width int) string {
	left := max((width-len(s))/2, 0)
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", max(width-len(s)-left, 0))
}

// paint wraps s in an ANSI colour when color is set.
func paint(color bool, code, s string) string {
	if !color {
		return s
	}
	return code + s + ansiOff
}

// asciiFor spells the few non-ASCII characters esaflow itself writes.
var asciiFor = map[rune]string{'µ': "u", '…': "...", '→': "->", '←': "<-"}

// ladderText makes s plain ASCII: what esaflow writes itself is spelled
// out ("µs" becomes "us"), and anything else outside printable ASCII
// becomes `\xNN` for each of its bytes, as classify.Escape writes control
// characters. Record texts are already escaped, so only printable UTF-8 is
// left to turn.
func ladderText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0x20 && r < 0x7f:
			sb.WriteRune(r)
		case asciiFor[r] != "" && n > 1:
			sb.WriteString(asciiFor[r])
		default:
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&sb, `\x%02x`, c)
			}
		}
		i += n
	}
	return sb.String()
}
