package capture

import (
	"errors"
	"io"
	"net/netip"
	"time"
)

// LiveOptions configure a live capture.
type LiveOptions struct {
	Interface string        // device name; "any" captures on all (Linux SLL2)
	Filter    string        // BPF expression
	Snaplen   int           // bytes kept per packet (default 262144)
	Promisc   bool          // promiscuous mode
	Timeout   time.Duration // read timeout (default 250 ms)
	// BufferSize is the kernel ring buffer in bytes (default 32 MiB).
	BufferSize int
	// Batched turns libpcap's immediate mode off: on Linux the kernel
	// then hands packets over in blocks (TPACKET_V3), far cheaper under
	// load, each block at the latest after Timeout. With it off (the
	// default), every packet is handed over at once (TPACKET_V2).
	Batched bool
	// Save, when set, receives a pcap copy of every packet read.
	Save io.Writer
}

// LiveStats are libpcap's counters for a live capture.
type LiveStats struct {
	Received         int `json:"received"`
	KernelDropped    int `json:"dropped_by_kernel"`
	InterfaceDropped int `json:"dropped_by_interface"`
}

// Device is a capture device.
type Device struct {
	Name        string
	Description string
	Addresses   []netip.Addr
}

// Errors of live capture.
var (
	// ErrTimeout is returned by Live.Next when no packet came within the
	// read timeout. It is not an error of the capture: the caller checks
	// for cancellation, moves its clock forward (flow.Tracker.Advance) and
	// calls Next again.
	ErrTimeout = errors.New("no packet within the read timeout")
	// ErrPermission: the process may not capture.
	ErrPermission = errors.New("no permission")
	// ErrNoInterface: the named interface does not exist.
	ErrNoInterface = errors.New("no such interface")
	// ErrFilter: the BPF filter does not compile.
	ErrFilter = errors.New("bad capture filter")
	// ErrNoLive: libpcap, which live capture and -f filters load at run
	// time, is not there (the error wrapping it says how to install it),
	// or the system is one esaflow does not load it on.
	ErrNoLive = errors.New("live capture is unavailable")
)

// Live is a Source on every system; where libpcap is missing it never
// opens.
var _ Source = (*Live)(nil)
