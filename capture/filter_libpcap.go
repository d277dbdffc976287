//go:build (linux || darwin) && !nolibpcap

package capture

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Filter is a BPF filter (tcpdump's expression language, compiled by
// libpcap) applied to frames read from files, as -f is applied to a live
// capture by the kernel. It is compiled once for each link type the
// frames come in; Matches is safe for concurrent use. The compiled
// programs live as long as the Filter is reachable.
type Filter struct {
	lib   *libpcap
	expr  string
	mu    sync.Mutex
	progs map[LinkType]*bpfProgram
}

// NewFilter compiles expr, once for Ethernet to report a syntax error at
// once (wrapping ErrFilter); other link types are compiled when met.
// Without libpcap the error wraps ErrFilter and ErrNoLive.
func NewFilter(expr string) (*Filter, error) {
	lib, err := loadLibpcap()
	if err != nil {
		return nil, fmt.Errorf("%w %q: compiling it takes libpcap (%w); or filter with --verdict, --client, --server, --since, --until", ErrFilter, expr, err)
	}
	f := &Filter{lib: lib, expr: expr, progs: make(map[LinkType]*bpfProgram)}
	if _, err := f.program(LinkEthernet); err != nil {
		return nil, err
	}
	return f, nil
}

// program returns the filter compiled for link type lt.
func (f *Filter) program(lt LinkType) (*bpfProgram, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.progs[lt]; ok {
		return p, nil
	}
	dead := f.lib.openDead(int32(lt), pcapDefaultCompileSnap)
	if dead == 0 {
		return nil, fmt.Errorf("%w %q: libpcap cannot compile for link type %d", ErrFilter, f.expr, uint16(lt))
	}
	defer f.lib.closeHandle(dead)
	prog := &bpfProgram{}
	if f.lib.compile(dead, prog, f.expr, 1, pcapNetmaskUnknown) != 0 {
		return nil, fmt.Errorf("%w %q: %s", ErrFilter, f.expr, f.lib.geterr(dead))
	}
	f.progs[lt] = prog
	return prog, nil
}

// headers are the pcap_pkthdr structures Matches hands libpcap, reused.
var headers = sync.Pool{New: func() any { return new(pcapHeader) }}

// Matches reports whether the frame p passes the filter. A frame of a
// link type the expression cannot be compiled for does not.
func (f *Filter) Matches(p *Packet) bool {
	prog, err := f.program(p.LinkType)
	if err != nil || len(p.Data) == 0 {
		return false
	}
	h := headers.Get().(*pcapHeader)
	*h = pcapHeader{sec: p.Time.Unix(), frac: int32(p.Time.Nanosecond() / 1000), caplen: uint32(len(p.Data)), length: uint32(p.Length)}
	r, _, _ := purego.SyscallN(f.lib.offlineFilter, uintptr(unsafe.Pointer(prog)), uintptr(unsafe.Pointer(h)), uintptr(unsafe.Pointer(&p.Data[0])))
	headers.Put(h)
	return r != 0
}
