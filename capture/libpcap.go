//go:build (linux || darwin) && !nolibpcap

package capture

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// libpcap is the C library, loaded when first needed (not at start, not at
// link time): a binary built anywhere, with or without cgo and without
// libpcap's headers, captures live wherever the library is installed.
// Only the calls esaflow makes are bound; the structures it reads are laid
// out by hand in pcapHeader, bpfProgram and the readers of pcap_if.
type libpcap struct {
	version string

	create            func(source string, errbuf []byte) uintptr
	setSnaplen        func(p uintptr, n int32) int32
	setPromisc        func(p uintptr, on int32) int32
	setTimeout        func(p uintptr, ms int32) int32
	setImmediateMode  func(p uintptr, on int32) int32
	setBufferSize     func(p uintptr, n int32) int32
	setTstampPrecison func(p uintptr, precision int32) int32
	getTstampPrecison func(p uintptr) int32
	activate          func(p uintptr) int32
	geterr            func(p uintptr) string
	statustostr       func(status int32) string
	compile           func(p uintptr, prog *bpfProgram, expr string, optimize int32, netmask uint32) int32
	setfilter         func(p uintptr, prog *bpfProgram) int32
	freecode          func(prog *bpfProgram)
	setnonblock       func(p uintptr, on int32, errbuf []byte) int32
	selectableFD      func(p uintptr) int32
	stats             func(p uintptr, s *pcapStat) int32
	datalink          func(p uintptr) int32
	closeHandle       func(p uintptr)
	openDead          func(linktype, snaplen int32) uintptr
	findalldevs       func(list *unsafe.Pointer, errbuf []byte) int32
	freealldevs       func(list unsafe.Pointer)

	// The two calls made for every packet go through purego.SyscallN,
	// without RegisterFunc's reflection.
	nextEx        uintptr
	offlineFilter uintptr
}

// Return codes and options of libpcap (pcap/pcap.h).
const (
	pcapErrbufSize         = 256
	pcapErrorNoSuchDevice  = -5
	pcapErrorPermDenied    = -8
	pcapErrorPromiscPerm   = -11
	pcapTstampNano         = 1
	pcapNetmaskUnknown     = 0xffffffff
	pcapNextPacket         = 1
	pcapNextTimeout        = 0
	pcapDefaultCompileSnap = 262144
)

// pcapHeader is struct pcap_pkthdr on the 64-bit systems libpcap is loaded
// on: a struct timeval (8-byte seconds; microseconds or nanoseconds in the
// low 4 bytes of the next 8, a long on Linux, an int and padding on macOS),
// then the captured and the original length.
type pcapHeader struct {
	sec    int64
	frac   int32
	_      int32
	caplen uint32
	length uint32
}

// bpfProgram is struct bpf_program: the instruction count and a pointer to
// the instructions, which libpcap allocates and pcap_freecode frees.
type bpfProgram struct {
	n     uint32
	insns unsafe.Pointer
}

// pcapStat is struct pcap_stat (its Unix part).
type pcapStat struct {
	recv, drop, ifdrop uint32
}

var (
	libpcapOnce sync.Once
	libpcapLib  *libpcap
	libpcapErr  error
)

// libpcapNames are the names tried, in order: the SONAME most systems give
// libpcap 1.x, Debian's historical SONAME, the development symlink, and
// macOS's system copy.
func libpcapNames() []string {
	if runtime.GOOS == "darwin" {
		return []string{"/usr/lib/libpcap.A.dylib", "libpcap.dylib", "/opt/homebrew/opt/libpcap/lib/libpcap.dylib", "/usr/local/opt/libpcap/lib/libpcap.dylib"}
	}
	return []string{"libpcap.so.1", "libpcap.so.0.8", "libpcap.so"}
}

// loadLibpcap loads libpcap once; the error, wrapping ErrNoLive, says
// which names were tried and how to install the library.
func loadLibpcap() (*libpcap, error) {
	libpcapOnce.Do(func() { libpcapLib, libpcapErr = openLibpcap(libpcapNames()) })
	return libpcapLib, libpcapErr
}

// LoadLibpcap loads libpcap from path (a name the dynamic loader resolves,
// or a file) instead of the usual names, for a libpcap installed
// elsewhere. It works only before the first live capture, filter or
// LibpcapVersion, which load the library once for the process; the error
// is also what those then return.
func LoadLibpcap(path string) error {
	loaded := false
	libpcapOnce.Do(func() {
		loaded = true
		libpcapLib, libpcapErr = openLibpcap([]string{path})
	})
	if !loaded {
		return errors.New("libpcap is already loaded")
	}
	return libpcapErr
}

func openLibpcap(names []string) (lib *libpcap, err error) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		return nil, fmt.Errorf("%w: loading libpcap is supported on 64-bit systems only", ErrNoLive)
	}
	var h uintptr
	var tried []string
	for _, name := range names {
		if h, err = purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL); err == nil {
			break
		}
		tried = append(tried, name)
	}
	if h == 0 {
		return nil, fmt.Errorf("%w: libpcap was not found (tried %s); install it: apt-get install libpcap0.8 (Debian, Ubuntu), dnf install libpcap (Fedora, RHEL), apk add libpcap (Alpine), or on macOS it is part of the system", ErrNoLive, strings.Join(tried, ", "))
	}
	// RegisterLibFunc panics on a missing symbol: a libpcap older than 1.5
	// (2013) lacks some; say so instead.
	defer func() {
		if r := recover(); r != nil {
			lib, err = nil, fmt.Errorf("%w: the libpcap found is too old (it lacks %v); esaflow needs libpcap 1.5 or later", ErrNoLive, r)
		}
	}()
	lib = &libpcap{}
	var libVersion func() string
	bind := []struct {
		fptr any
		name string
	}{
		{&lib.create, "pcap_create"},
		{&lib.setSnaplen, "pcap_set_snaplen"},
		{&lib.setPromisc, "pcap_set_promisc"},
		{&lib.setTimeout, "pcap_set_timeout"},
		{&lib.setImmediateMode, "pcap_set_immediate_mode"},
		{&lib.setBufferSize, "pcap_set_buffer_size"},
		{&lib.setTstampPrecison, "pcap_set_tstamp_precision"},
		{&lib.getTstampPrecison, "pcap_get_tstamp_precision"},
		{&lib.activate, "pcap_activate"},
		{&lib.geterr, "pcap_geterr"},
		{&lib.statustostr, "pcap_statustostr"},
		{&lib.compile, "pcap_compile"},
		{&lib.setfilter, "pcap_setfilter"},
		{&lib.freecode, "pcap_freecode"},
		{&lib.setnonblock, "pcap_setnonblock"},
		{&lib.selectableFD, "pcap_get_selectable_fd"},
		{&lib.stats, "pcap_stats"},
		{&lib.datalink, "pcap_datalink"},
		{&lib.closeHandle, "pcap_close"},
		{&lib.openDead, "pcap_open_dead"},
		{&lib.findalldevs, "pcap_findalldevs"},
		{&lib.freealldevs, "pcap_freealldevs"},
		{&libVersion, "pcap_lib_version"},
	}
	for _, b := range bind {
		purego.RegisterLibFunc(b.fptr, h, b.name)
	}
	for _, s := range []struct {
		p    *uintptr
		name string
	}{{&lib.nextEx, "pcap_next_ex"}, {&lib.offlineFilter, "pcap_offline_filter"}} {
		if *s.p, err = purego.Dlsym(h, s.name); err != nil {
			panic(s.name)
		}
	}
	lib.version = libVersion()
	return lib, nil
}

// LibpcapVersion reports the version of the libpcap that live capture and
// -f filters use, loading it if needed; the error, wrapping ErrNoLive,
// says why there is none and how to install it.
func LibpcapVersion() (string, error) {
	lib, err := loadLibpcap()
	if err != nil {
		return "", err
	}
	return lib.version, nil
}

// cString returns the NUL-terminated string an errbuf holds.
func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// goString copies the NUL-terminated C string at p.
func goString(p unsafe.Pointer) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(p, n)) != 0 {
		n++
	}
	return string(unsafe.Slice((*byte)(p), n))
}

// statusError is the error of a libpcap call on p that returned status:
// libpcap's words for the status, and the handle's own message if any.
func (lib *libpcap) statusError(p uintptr, status int32) error {
	msg := lib.statustostr(status)
	if detail := lib.geterr(p); detail != "" {
		if status == -1 {
			return errors.New(detail)
		}
		msg += ": " + detail
	}
	return errors.New(msg)
}
