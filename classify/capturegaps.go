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
	return out
}
