package classify

import (
	"fmt"

	"github.com/esaflow/esaflow/flow"
)

// captureFlags appends the flags that say what the capture lacks: a side
// of the connection it never saw, and payload bytes on the wire that it
// does not hold.
func (s *session) captureFlags(c *flow.ConnInfo, out []Flag) []Flag {
	cl, sv := c.Packets(flow.ClientToServer), c.Packets(flow.ServerToClient)
	switch {
	case sv == 0 && cl > c.SYNs(flow.ClientToServer):
		out = append(out, Flag{FlagServerNotCaptured, fmt.Sprintf(
			"%d client packet(s), %d of them past the SYN (%d payload bytes), no server packet", cl, cl-c.SYNs(flow.ClientToServer), c.Bytes(flow.ClientToServer))})
	case cl == 0 && sv > 0:
		out = append(out, Flag{FlagClientNotCaptured, fmt.Sprintf(
			"%d server packet(s) (%d payload bytes), no client packet", sv, c.Bytes(flow.ServerToClient))})
	}
	mc, ms := c.Missed(flow.ClientToServer), c.Missed(flow.ServerToClient)
	if mc+ms > 0 {
		out = append(out, Flag{FlagMissedBytes, fmt.Sprintf(
			"%d client and %d server payload bytes on the wire are not in the capture", mc, ms)})
	}
	if gc, gs := c.GaveUp(flow.ClientToServer), c.GaveUp(flow.ServerToClient); gc+gs > 0 {
		out = append(out, Flag{FlagReassemblyLimit, fmt.Sprintf(
			"%d client and %d server bytes given up when the out-of-order data held passed 1 MiB", gc, gs)})
	}
	return out
}

// implicitTLSPort is the port where a session starts with TLS (RFC 8314).
const implicitTLSPort = 465

// pathFlags appends the flags of a session that left the common path:
// clear text on the implicit-TLS port, clear text after STARTTLS.
func (s *session) pathFlags(c *flow.ConnInfo, out []Flag) []Flag {
	if s.first == firstReply && c.Server.Port() == implicitTLSPort {
		ev := fmt.Sprintf("greeting %d in clear text on port %d", s.rec.BannerCode, implicitTLSPort)
		if s.clientTLSFirst {
			ev += ", after the client's TLS ClientHello"
		}
		out = append(out, Flag{FlagPlaintextOnTLSPort, ev})
	}
	if s.plainAfterTLS {
		out = append(out, Flag{FlagPlaintextAfterSTARTTLS, "STARTTLS answered 220, then the client sent a clear-text command instead of a TLS ClientHello"})
	}
	return out
}
