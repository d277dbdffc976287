package classify

import (
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/flow"
)

// TestPacketLabelsFollowTheDialogue labels a session's packets one by one:
// commands as their replies record them (AUTH hidden), multi-line replies
// by their first line, the body after 354, TLS after STARTTLS's 220, a
// retransmission as such, and a reply that carries an enhanced code alone
// read as the verdict reads it.
func TestPacketLabelsFollowTheDialogue(t *testing.T) {
	var l PacketLabeler
	seq := [2]uint32{1000, 9000}
	send := func(fromClient bool, payload string) PacketLabel {
		d := flow.ServerToClient
		if fromClient {
			d = flow.ClientToServer
		}
		seg := flow.Segment{Seq: seq[d], Flags: flow.FlagPSH | flow.FlagACK, Payload: []byte(payload), WireLen: len(payload), Time: time.Unix(0, 0)}
		seq[d] += uint32(len(payload))
		return l.Label(&seg, fromClient)
	}
	steps := []struct {
		client  bool
		payload string
		want    string
	}{
		{false, "220 mx ESMTP\r\n", "220 mx ESMTP"},
		{true, "EHLO c\r\n", "EHLO c"},
		{false, "250-mx\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n", "250-mx (+2 lines)"},
		{true, "AUTH PLAIN dXNlcgBwYXNz\r\n", "AUTH PLAIN ***"},
		{false, "5.7.8 authentication failed\r\n", "5.7.8 authentication failed"},
		{true, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n", "MAIL FROM:<a@b>; RCPT TO:<c@d>; DATA"},
		{false, "250 ok\r\n250 ok\r\n354 go\r\n", "250 ok; 250 ok; 354 go"},
		{true, "Subject: x\r\n\r\nhello\r\n", "message body (21 bytes)"},
		{true, ".\r\nSTARTTLS\r\n", "end of message (.); STARTTLS"},
		{false, "250 queued\r\n220 go ahead\r\n", "250 queued; 220 go ahead"},
		{true, "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", "TLS ClientHello"},
	}
	for i, st := range steps {
		if got := send(st.client, st.payload); got.Content != st.want || got.Retransmission {
			t.Errorf("step %d: %q (retransmission %v), want %q", i, got.Content, got.Retransmission, st.want)
		}
	}
	seq[flow.ServerToClient] -= 12
	if got := send(false, "250 queued\r\n"); !got.Retransmission || !strings.Contains(got.Content, "again") {
		t.Errorf("a segment repeating sent bytes: %+v", got)
	}
}
