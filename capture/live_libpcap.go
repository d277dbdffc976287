//go:build (linux || darwin) && !nolibpcap

package capture

import (
	"bufio"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/sys/unix"
)

// Live is a Source reading packets from a network interface through
// libpcap, loaded at run time. Next returns ErrTimeout when no packet came
// within the read timeout, so the caller can advance time and check for
// cancellation.
type Live struct {
	lib   *libpcap
	p     uintptr // pcap_t*, owned until Close
	link  LinkType
	nano  bool
	fd    int32         // pcap_get_selectable_fd, polled for the timeout
	wait  time.Duration // the read timeout
	out   *nextOut
	pin   runtime.Pinner
	save  *bufio.Writer
	saver *pcapgo.Writer
}

// nextOut receives pcap_next_ex's two pointers into libpcap's buffer. It
// lives on the heap, pinned for the capture's life, since libpcap writes
// into it.
type nextOut struct {
	hdr  unsafe.Pointer // *pcapHeader in libpcap's memory
	data unsafe.Pointer // the frame, hdr.caplen bytes
}

// LiveSupported reports whether live capture can work here: whether
// libpcap loads. The error, wrapping ErrNoLive, says how to install it.
func LiveSupported() error {
	_, err := loadLibpcap()
	return err
}

// OpenLive starts a live capture. Errors wrap ErrNoLive, ErrPermission,
// ErrNoInterface or ErrFilter and say what to do.
func OpenLive(o LiveOptions) (*Live, error) {
	lib, err := loadLibpcap()
	if err != nil {
		return nil, err
	}
	if o.Snaplen <= 0 {
		o.Snaplen = 262144
	}
	if o.Timeout <= 0 {
		o.Timeout = 250 * time.Millisecond
	}
	// libpcap's default ring is too small for a burst at esaflow's snap
	// length (docs/performance.md, "Measurements behind the code").
	bufsize := o.BufferSize
	if bufsize <= 0 {
		bufsize = 32 << 20
	}
	errbuf := make([]byte, pcapErrbufSize)
	p := lib.create(o.Interface, errbuf)
	if p == 0 {
		return nil, fmt.Errorf("capture on %s: %s", o.Interface, cString(errbuf))
	}
	l := &Live{lib: lib, p: p, out: &nextOut{}}
	fail := func(err error) (*Live, error) {
		lib.closeHandle(p)
		return nil, err
	}
	immediate := int32(1)
	if o.Batched {
		immediate = 0
	}
	promisc := int32(0)
	if o.Promisc {
		promisc = 1
	}
	for _, set := range []struct {
		what   string
		status int32
	}{
		{"snap length", lib.setSnaplen(p, int32(o.Snaplen))},
		{"promiscuous mode", lib.setPromisc(p, promisc)},
		{"read timeout", lib.setTimeout(p, int32(o.Timeout/time.Millisecond))},
		{"immediate mode", lib.setImmediateMode(p, immediate)},
		{"buffer size", lib.setBufferSize(p, int32(bufsize))},
	} {
		if set.status != 0 {
			return fail(fmt.Errorf("capture on %s: setting the %s: %w", o.Interface, set.what, lib.statusError(p, set.status)))
		}
	}
	// Nanosecond timestamps where the system gives them; microseconds
	// otherwise.
	lib.setTstampPrecison(p, pcapTstampNano)
	if status := lib.activate(p); status < 0 {
		return fail(liveError(o.Interface, status, lib.statusError(p, status)))
	}
	l.nano = lib.getTstampPrecison(p) == pcapTstampNano
	// Non-blocking reads and a poll with the timeout: pcap_next_ex alone
	// may wait for a packet forever on Linux.
	if lib.setnonblock(p, 1, errbuf) < 0 {
		return fail(fmt.Errorf("capture on %s: %s", o.Interface, cString(errbuf)))
	}
	l.fd, l.wait = lib.selectableFD(p), o.Timeout
	l.link = LinkType(lib.datalink(p))
	if !l.link.Supported() {
		return fail(fmt.Errorf("%s: %w %d", o.Interface, ErrUnsupportedLinkType, uint16(l.link)))
	}
	if o.Filter != "" {
		var prog bpfProgram
		if lib.compile(p, &prog, o.Filter, 1, pcapNetmaskUnknown) != 0 {
			return fail(fmt.Errorf("%w %q: %s", ErrFilter, o.Filter, lib.geterr(p)))
		}
		status := lib.setfilter(p, &prog)
		lib.freecode(&prog)
		if status != 0 {
			return fail(fmt.Errorf("%w %q: %s", ErrFilter, o.Filter, lib.geterr(p)))
		}
	}
	if o.Save != nil {
		l.save = bufio.NewWriterSize(o.Save, 64<<10)
		l.saver = pcapgo.NewWriterNanos(l.save)
		if err := l.saver.WriteFileHeader(uint32(o.Snaplen), layers.LinkType(l.link)); err != nil {
			return fail(fmt.Errorf("writing the capture copy: %w", err))
		}
	}
	l.pin.Pin(l.out)
	return l, nil
}

// liveError turns pcap_activate's failure into an error callers can tell
// apart, with what to do about it.
func liveError(iface string, status int32, err error) error {
	switch status {
	case pcapErrorPermDenied, pcapErrorPromiscPerm:
		return fmt.Errorf("%w to capture on %s (%v): run as root, or allow the binary once with: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v esaflow)", ErrPermission, iface, err)
	case pcapErrorNoSuchDevice:
		names := []string{}
		if devs, derr := Devices(); derr == nil {
			for _, d := range devs {
				names = append(names, d.Name)
			}
		}
		return fmt.Errorf("%w %q; available: %s (see esaflow interfaces)", ErrNoInterface, iface, strings.Join(names, ", "))
	}
	return fmt.Errorf("capture on %s: %w", iface, err)
}

// Next implements Source. It returns ErrTimeout when the read timeout
// passed without a packet. p.Data points into libpcap's buffer and is
// valid until the next call, as Source says.
func (l *Live) Next(p *Packet) error {
	for waited := false; ; waited = true {
		r, _, _ := purego.SyscallN(l.lib.nextEx, l.p, uintptr(unsafe.Pointer(&l.out.hdr)), uintptr(unsafe.Pointer(&l.out.data)))
		switch int32(r) {
		case pcapNextPacket:
		case pcapNextTimeout: // nothing to read now
			if waited || l.fd < 0 {
				return ErrTimeout
			}
			fds := []unix.PollFd{{Fd: l.fd, Events: unix.POLLIN}}
			if _, err := unix.Poll(fds, int(l.wait/time.Millisecond)); err != nil && err != unix.EINTR {
				return fmt.Errorf("live capture: %w", err)
			}
			continue
		default:
			return fmt.Errorf("live capture: %s", l.lib.geterr(l.p))
		}
		break
	}
	h := (*pcapHeader)(l.out.hdr)
	frac := time.Duration(h.frac)
	if !l.nano {
		frac *= time.Microsecond
	}
	p.Data = unsafe.Slice((*byte)(l.out.data), h.caplen)
	p.Time = time.Unix(h.sec, int64(frac)).UTC()
	p.Length = int(h.length)
	p.LinkType = l.link
	if l.saver != nil {
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: p.Length}
		if err := l.saver.WritePacket(ci, p.Data); err != nil {
			return fmt.Errorf("writing the capture copy: %w", err)
		}
	}
	return nil
}

// Stats returns libpcap's counters.
func (l *Live) Stats() (LiveStats, error) {
	var s pcapStat
	if status := l.lib.stats(l.p, &s); status != 0 {
		return LiveStats{}, l.lib.statusError(l.p, status)
	}
	return LiveStats{Received: int(s.recv), KernelDropped: int(s.drop), InterfaceDropped: int(s.ifdrop)}, nil
}

// Close stops the capture and flushes the copy (the caller closes the
// copy's file).
func (l *Live) Close() error {
	var err error
	if l.save != nil {
		err = l.save.Flush()
	}
	if l.p != 0 {
		l.lib.closeHandle(l.p)
		l.p = 0
		l.pin.Unpin()
	}
	return err
}

// Devices lists the capture devices and their addresses.
func Devices() ([]Device, error) {
	lib, err := loadLibpcap()
	if err != nil {
		return nil, err
	}
	errbuf := make([]byte, pcapErrbufSize)
	var list unsafe.Pointer
	if lib.findalldevs(&list, errbuf) != 0 {
		return nil, fmt.Errorf("listing capture devices: %s", cString(errbuf))
	}
	defer lib.freealldevs(list)
	var out []Device
	// struct pcap_if: next, name, description, addresses, flags.
	for d := list; d != nil; d = field(d, 0) {
		dev := Device{Name: goString(field(d, 1)), Description: goString(field(d, 2))}
		// struct pcap_addr: next, addr, netmask, broadaddr, dstaddr.
		for a := field(d, 3); a != nil; a = field(a, 0) {
			if ip, ok := sockaddrIP(field(a, 1)); ok {
				dev.Addresses = append(dev.Addresses, ip)
			}
		}
		out = append(out, dev)
	}
	return out, nil
}

// field is the i-th pointer-sized field of the C struct at p.
func field(p unsafe.Pointer, i int) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Add(p, i*int(unsafe.Sizeof(p))))
}

// sockaddrIP reads the address of a struct sockaddr_in or sockaddr_in6.
func sockaddrIP(sa unsafe.Pointer) (netip.Addr, bool) {
	if sa == nil {
		return netip.Addr{}, false
	}
	var family int
	inet, inet6 := 2, 10
	if runtime.GOOS == "darwin" { // sa_len, then a one-byte sa_family
		family, inet6 = int(*(*uint8)(unsafe.Add(sa, 1))), 30
	} else {
		family = int(*(*uint16)(sa))
	}
	switch family {
	case inet:
		return netip.AddrFrom4(*(*[4]byte)(unsafe.Add(sa, 4))), true
	case inet6:
		return netip.AddrFrom16(*(*[16]byte)(unsafe.Add(sa, 8))), true
	}
	return netip.Addr{}, false
}
