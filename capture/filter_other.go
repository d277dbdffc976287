//go:build nolibpcap || (!linux && !darwin)

package capture

import "fmt"

// Filter is a BPF filter on frames read from files; on this system esaflow
// has no BPF compiler.
type Filter struct{}

// NewFilter fails: compiling tcpdump's filter language takes libpcap,
// which esaflow loads on Linux and macOS only.
func NewFilter(expr string) (*Filter, error) {
	return nil, fmt.Errorf("%w %q: compiling it takes libpcap (%w); or filter with --verdict, --client, --server, --since, --until", ErrFilter, expr, errNoLiveHere)
}

// Matches never matches: no Filter can be made.
func (*Filter) Matches(*Packet) bool { return false }
