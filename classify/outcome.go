package classify

import "fmt"

// Outcome tells what happened after an ACCEPT greeting. Connections with
// any other verdict have OutcomeNone.
//
// When several outcomes apply to one connection, the first in this order
// wins (precedence):
//
//	DELIVERED > TLS > TLS_FAILED > TLS_REQUIRED > DATA_REJECTED >
//	SENDER_REJECTED > RECIPIENT_REJECTED > DEFERRED > RESET > QUIT > INCOMPLETE
//
// So a session that had one sender refused and then delivered a message is
// DELIVERED, and one whose STARTTLS failed but which then delivered in clear
// text is DELIVERED too; the replies list keeps the rest.
type Outcome uint8

// The outcomes.
const (
	// OutcomeNone: the verdict is not ACCEPT.
	OutcomeNone Outcome = iota
	// OutcomeDelivered: a message was accepted: a 2xx reply to the end of
	// DATA (<CRLF>.<CRLF>) or to BDAT ... LAST.
	OutcomeDelivered
	// OutcomeTLS: STARTTLS was answered 220 and the server continued the TLS
	// handshake (or, on an implicit-TLS port such as 465, the server answered
	// with a TLS handshake). Nothing after it can be read.
	OutcomeTLS
	// OutcomeTLSFailed: STARTTLS was refused (non-220), or the TLS handshake
	// that followed ended in an alert or a close before the server's
	// handshake.
	OutcomeTLSFailed
	// OutcomeTLSRequired: the server answered 530 (e.g. "Must issue a
	// STARTTLS command first") and the client never switched to TLS.
	OutcomeTLSRequired
	// OutcomeDataRejected: a 5xx reply to the end of DATA or to BDAT.
	OutcomeDataRejected
	// OutcomeSenderRejected: a 5xx reply to MAIL FROM, or a 5xx reply whose
	// enhanced code (X.1.7, X.1.8) or text ("Sender address rejected",
	// "Envelope sender ... rejected") says the sender was refused.
	OutcomeSenderRejected
	// OutcomeRecipientRejected: at least one RCPT TO, and every one got 5xx.
	OutcomeRecipientRejected
	// OutcomeDeferred: a 4xx reply to MAIL, RCPT, DATA or BDAT, or a 421
	// reply to any command.
	OutcomeDeferred
	// OutcomeReset: the session was reset (a RST from either side) before
	// QUIT, with nothing above having happened.
	OutcomeReset
	// OutcomeQuit: the session ended (QUIT or FIN) without any message
	// accepted or refused.
	OutcomeQuit
	// OutcomeIncomplete: the capture ended (or the connection went idle)
	// mid-session.
	OutcomeIncomplete
	numOutcomes
)

var outcomeNames = [numOutcomes]string{
	OutcomeNone:              "",
	OutcomeDelivered:         "DELIVERED",
	OutcomeTLS:               "TLS",
	OutcomeTLSFailed:         "TLS_FAILED",
	OutcomeTLSRequired:       "TLS_REQUIRED",
	OutcomeDataRejected:      "DATA_REJECTED",
	OutcomeSenderRejected:    "SENDER_REJECTED",
	OutcomeRecipientRejected: "RECIPIENT_REJECTED",
	OutcomeDeferred:          "DEFERRED",
	OutcomeReset:             "RESET",
	OutcomeQuit:              "QUIT",
	OutcomeIncomplete:        "INCOMPLETE",
}

// String returns the outcome's name ("" for OutcomeNone).
func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// MarshalText encodes the outcome as its name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText decodes an outcome name.
func (o *Outcome) UnmarshalText(b []byte) error {
	p, err := ParseOutcome(string(b))
	if err != nil {
		return err
	}
	*o = p
	return nil
}

// ParseOutcome returns the outcome named s; "" and "-" are OutcomeNone.
func ParseOutcome(s string) (Outcome, error) {
	if s == "-" {
		return OutcomeNone, nil
	}
	for i, n := range outcomeNames {
		if n == s {
			return Outcome(i), nil
		}
	}
	return 0, fmt.Errorf("unknown outcome %q", s)
}
