package classify

import "fmt"

// Verdict is how the server treated one connection. Each value is defined by
// the packet signature that produces it, in the manner of Zeek's conn_state.
// Exactly one verdict is assigned to each connection, when it is decided.
type Verdict uint8

// The verdicts. The ladder after each name is the packet signature, client
// (C) and server (S), as seen in the capture.
const (
	// VerdictIncomplete: the capture does not hold the deciding packets:
	// it started mid-session (no SYN,ACK seen) or ended before the server's
	// first reply or teardown.
	VerdictIncomplete Verdict = iota
	// VerdictAccept: C SYN, S SYN,ACK, C ACK, S 2xx greeting.
	VerdictAccept
	// VerdictReject: C SYN, S SYN,ACK, C ACK, S 5xx greeting; then either S
	// FIN,ACK (Cisco ESA, Postfix postscreen) or the server waits for QUIT
	// (Postfix smtpd); which one is recorded in ClosedBy.
	VerdictReject
	// VerdictTempfail: C SYN, S SYN,ACK, C ACK, S 4xx greeting.
	VerdictTempfail
	// VerdictTCPRefuse: C SYN, S SYN,ACK, C ACK, S RST(,ACK) before any
	// server payload (Cisco ESA TCPREFUSE, HAProxy "tcp-request connection
	// reject").
	VerdictTCPRefuse
	// VerdictSilentClose: C SYN, S SYN,ACK, C ACK, S FIN,ACK before any
	// server payload.
	VerdictSilentClose
	// VerdictPortClosed: C SYN, S RST,ACK (nothing listens on the port).
	VerdictPortClosed
	// VerdictNoAnswer: C SYN (and retransmissions), nothing from the server.
	VerdictNoAnswer
	// VerdictAbandoned: C SYN, S SYN,ACK, C ACK, then C FIN or RST before
	// any server payload.
	VerdictAbandoned
	// VerdictNotSMTP: handshake complete, the server's first payload is not
	// an SMTP reply line.
	VerdictNotSMTP
	numVerdicts
)

var verdictNames = [numVerdicts]string{
	VerdictIncomplete:  "INCOMPLETE",
	VerdictAccept:      "ACCEPT",
	VerdictReject:      "REJECT",
	VerdictTempfail:    "TEMPFAIL",
	VerdictTCPRefuse:   "TCPREFUSE",
	VerdictSilentClose: "SILENT_CLOSE",
	VerdictPortClosed:  "PORT_CLOSED",
	VerdictNoAnswer:    "NO_ANSWER",
	VerdictAbandoned:   "ABANDONED",
	VerdictNotSMTP:     "NOT_SMTP",
}

// Verdicts lists every verdict in a fixed order (used for stable output).
func Verdicts() []Verdict {
	v := make([]Verdict, numVerdicts)
	for i := range v {
		v[i] = Verdict(i)
	}
	return v
}

// String returns the verdict's upper-case name, e.g. "TCPREFUSE".
func (v Verdict) String() string {
	if v < numVerdicts {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// MarshalText encodes the verdict as its name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText decodes a verdict name.
func (v *Verdict) UnmarshalText(b []byte) error {
	p, err := ParseVerdict(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// ParseVerdict returns the verdict named s (upper case, as printed).
func ParseVerdict(s string) (Verdict, error) {
	for i, n := range verdictNames {
		if n == s {
			return Verdict(i), nil
		}
	}
	return 0, fmt.Errorf("unknown verdict %q", s)
}

// Decided reports whether the verdict was decided from the capture, that
// is, it is anything but INCOMPLETE.
func (v Verdict) Decided() bool { return v != VerdictIncomplete }
