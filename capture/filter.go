//go:build cgo

package capture

import (
	"fmt"
	"sync"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
)

// Filter is a BPF filter (tcpdump's expression language, compiled by
// libpcap) applied to frames read from files, as -f is applied to a live
// capture by the kernel. It is compiled once for each link type the
// frames come in; Matches is safe for concurrent use.
type Filter struct {
	expr  string
	mu    sync.Mutex
	progs map[LinkType]*pcap.BPF
}

// NewFilter compiles expr, once for Ethernet to report a syntax error at
// once (wrapping ErrFilter); other link types are compiled when met.
func NewFilter(expr string) (*Filter, error) {
	f := &Filter{expr: expr, progs: make(map[LinkType]*pcap.BPF)}
	if _, err := f.program(LinkEthernet); err != nil {
		return nil, err
	}
	return f, nil
}

// program returns the filter compiled for link type lt.
func (f *Filter) program(lt LinkType) (*pcap.BPF, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.progs[lt]; ok {
		return p, nil
	}
	p, err := pcap.NewBPF(layers.LinkType(lt), 262144, f.expr)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrFilter, f.expr, err)
	}
	f.progs[lt] = p
	return p, nil
}

// Matches reports whether the frame p passes the filter. A frame of a
// link type the expression cannot be compiled for does not.
func (f *Filter) Matches(p *Packet) bool {
	prog, err := f.program(p.LinkType)
	if err != nil {
		return false
	}
	return prog.Matches(gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: p.Length}, p.Data)
}
