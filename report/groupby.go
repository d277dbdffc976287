package report

import (
	"fmt"
	"strings"
)

// GroupBy selects which side of a connection a host is.
type GroupBy int

// The sides a host can be.
const (
	// GroupClient groups connections by the address that opened them.
	GroupClient GroupBy = iota
	// GroupServer groups connections by the address they were opened to.
	GroupServer
)

// String returns the name ParseGroupBy accepts, e.g. "client".
func (g GroupBy) String() string {
	switch g {
	case GroupClient:
		return "client"
	case GroupServer:
		return "server"
	}
	return fmt.Sprintf("GroupBy(%d)", int(g))
}

// ParseGroupBy returns the GroupBy named s, "client" or "server", in any
// case.
func ParseGroupBy(s string) (GroupBy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "client":
		return GroupClient, nil
	case "server":
		return GroupServer, nil
	}
	return 0, fmt.Errorf("unknown group-by %q (valid: client, server)", s)
}
