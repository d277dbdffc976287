package expect

import (
	"net/netip"
	"strconv"

	"github.com/esaflow/esaflow/classify"
)

// Spec is a parsed expectations file.
type Spec struct {
	Hosts       []HostRule
	Connections []ConnRule
	Forbid      []classify.Verdict
	ForbidLine  int
	// Options are the analysis settings the expectations were written
	// for (check --init records them), by flag name without its dashes:
	// group-by, ports, idle-timeout, max-conns, filter. check applies them
	// unless the command line gives them, and refuses a different value.
	Options map[string]string
}

// OptionNames are the settings an expectations file may record.
var OptionNames = []string{"group-by", "ports", "idle-timeout", "max-conns", "filter"}

// HostRule expects every host in Prefix (at least one must exist) to have
// one of Verdicts ("MIXED" allowed), and optionally every ACCEPT
// connection of it one of Outcomes, and a number of connections.
type HostRule struct {
	Line     int
	Text     string // the key as written
	Prefix   netip.Prefix
	Verdicts []string
	Outcomes []classify.Outcome
	Count    Count
}

// ConnRule expects connections selected by client, server and port to
// have one of Verdicts (and Outcomes): at least one by default, or the
// number Count says, or all of them.
type ConnRule struct {
	Line       int
	Client     netip.Prefix // invalid: any
	Server     netip.Prefix // invalid: any
	ServerPort int          // 0: any
	Verdicts   []classify.Verdict
	Outcomes   []classify.Outcome
	// Flags must all be on a matching connection ("inspection_limit"
	// stands for any limit); Reasons lists the reasons one of which it
	// must have.
	Flags   []string
	Reasons []string
	Count   Count
	All     bool
}

// Count is an optional number constraint: at_least or exactly, or a share
// (at_least: 95%): of the connections a rule selects (a host's, for a host
// rule), at least that fraction must match.
type Count struct {
	AtLeast int     // -1: unset
	Exactly int     // -1: unset
	Share   float64 // a fraction from 0 to 1; -1: unset
}

func noCount() Count { return Count{AtLeast: -1, Exactly: -1, Share: -1} }

// shareOK reports whether matching of selected connections make the share
// (unset: always; no connection selected: never).
func (c Count) shareOK(matching, selected int) bool {
	return c.Share < 0 || selected > 0 && float64(matching) >= c.Share*float64(selected)-1e-9
}

// ok reports whether n satisfies the constraint (unset: always).
func (c Count) ok(n int) bool {
	return (c.AtLeast < 0 || n >= c.AtLeast) && (c.Exactly < 0 || n == c.Exactly)
}

func (c Count) String() string {
	switch {
	case c.Exactly >= 0:
		return "exactly " + strconv.Itoa(c.Exactly)
	case c.AtLeast >= 0:
		return "at least " + strconv.Itoa(c.AtLeast)
	case c.Share >= 0:
		return "at least " + strconv.FormatFloat(c.Share*100, 'f', -1, 64) + "%"
	}
	return ""
}
