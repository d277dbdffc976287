//go:build !cgo

package capture

import "fmt"

// Filter is a BPF filter on frames read from files; this build, without
// cgo and libpcap, has no BPF compiler.
type Filter struct{}

// NewFilter fails: compiling tcpdump's filter language takes libpcap.
func NewFilter(expr string) (*Filter, error) {
	return nil, fmt.Errorf("%w %q: this esaflow was built without cgo, and BPF filters need libpcap's compiler (build with CGO_ENABLED=1 and libpcap-dev, or filter with --verdict, --client, --server, --since, --until)", ErrFilter, expr)
}

// Matches never matches: no Filter can be made.
func (*Filter) Matches(*Packet) bool { return false }
