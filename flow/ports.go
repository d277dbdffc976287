package flow

import (
	"fmt"
	"strconv"
	"strings"
)

// Ports is a set of TCP ports on which SMTP servers listen.
type Ports struct {
	bits [1024]uint64
}

// DefaultPorts is the port list used when none is given: SMTP (25),
// submission with implicit TLS (465), submission (587) and the common
// alternative 2525.
const DefaultPorts = "25,465,587,2525"

// ImplicitTLSPorts are the ports where the session starts with TLS, not
// with a clear-text greeting.
const ImplicitTLSPorts = "465"

// ParsePorts parses a comma-separated list of ports and ranges, such as
// "25,587,2525" or "25,10000-10010".
func ParsePorts(s string) (Ports, error) {
	var p Ports
	if strings.TrimSpace(s) == "" {
		return p, fmt.Errorf("empty port list")
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := parsePort(lo)
		if err != nil {
			return p, err
		}
		b := a
		if isRange {
			if b, err = parsePort(hi); err != nil {
				return p, err
			}
			if b < a {
				return p, fmt.Errorf("port range %q runs backwards", f)
			}
		}
		for q := a; ; q++ {
			p.Add(q)
			if q == b {
				break
			}
		}
	}
	return p, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("bad port %q: want a number from 1 to 65535", s)
	}
	return uint16(n), nil
}

// MustParsePorts is ParsePorts for constant lists; it panics on error.
func MustParsePorts(s string) Ports {
	p, err := ParsePorts(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Add puts port p in the set.
func (s *Ports) Add(p uint16) { s.bits[p>>6] |= 1 << (p & 63) }

// Has reports whether port p is in the set.
func (s *Ports) Has(p uint16) bool { return s.bits[p>>6]&(1<<(p&63)) != 0 }
