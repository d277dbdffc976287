//go:build cgo

package capture

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
	"github.com/gopacket/gopacket/pcapgo"
)

// Live is a Source reading packets from a network interface through
// libpcap. Next returns ErrTimeout when no packet came within the read
// timeout, so the caller can advance time and check for cancellation.
type Live struct {
	h     *pcap.Handle
	link  LinkType
	save  *bufio.Writer
	saver *pcapgo.Writer
}

// LiveSupported reports whether this build can capture live traffic.
const LiveSupported = true

// OpenLive starts a live capture. Errors wrap ErrPermission,
// ErrNoInterface or ErrFilter and say what to do.
func OpenLive(o LiveOptions) (*Live, error) {
	if o.Snaplen <= 0 {
		o.Snaplen = 262144
	}
	if o.Timeout <= 0 {
		o.Timeout = 250 * time.Millisecond
	}
	in, err := pcap.NewInactiveHandle(o.Interface)
	if err != nil {
		return nil, liveError(o.Interface, err)
	}
	defer in.CleanUp()
	// libpcap's default ring is too small for a burst at esaflow's snap
	// length (docs/performance.md, "Measurements behind the code").
	bufsize := o.BufferSize
	if bufsize <= 0 {
		bufsize = 32 << 20
	}
	for _, set := range []error{in.SetSnapLen(o.Snaplen), in.SetPromisc(o.Promisc), in.SetTimeout(o.Timeout),
		in.SetImmediateMode(!o.Batched), in.SetBufferSize(bufsize)} {
		if set != nil {
			return nil, fmt.Errorf("capture on %s: %w", o.Interface, set)
		}
	}
	h, err := in.Activate()
	if err != nil {
		return nil, liveError(o.Interface, err)
	}
	if o.Filter != "" {
		if err := h.SetBPFFilter(o.Filter); err != nil {
			h.Close()
			return nil, fmt.Errorf("%w %q: %v", ErrFilter, o.Filter, err)
		}
	}
	l := &Live{h: h, link: LinkType(h.LinkType())}
	if !l.link.Supported() {
		h.Close()
		return nil, fmt.Errorf("%s: %w %d", o.Interface, ErrUnsupportedLinkType, uint16(l.link))
	}
	if o.Save != nil {
		l.save = bufio.NewWriterSize(o.Save, 64<<10)
		l.saver = pcapgo.NewWriterNanos(l.save)
		if err := l.saver.WriteFileHeader(uint32(o.Snaplen), layers.LinkType(l.link)); err != nil {
			h.Close()
			return nil, fmt.Errorf("writing the capture copy: %w", err)
		}
	}
	return l, nil
}

func liveError(iface string, err error) error {
	msg := err.Error()
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "permission") || strings.Contains(low, "not permitted"):
		return fmt.Errorf("%w to capture on %s (%s): run as root, or allow the binary once with: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v esaflow)", ErrPermission, iface, msg)
	case strings.Contains(low, "no such device") || strings.Contains(low, "doesn't exist"):
		names := []string{}
		if devs, derr := Devices(); derr == nil {
			for _, d := range devs {
				names = append(names, d.Name)
			}
		}
		return fmt.Errorf("%w %q; available: %s (see esaflow interfaces)", ErrNoInterface, iface, strings.Join(names, ", "))
	}
	return fmt.Errorf("capture on %s: %v", iface, msg)
}

// Next implements Source. It returns ErrTimeout when the read timeout
// passed without a packet.
func (l *Live) Next(p *Packet) error {
	data, ci, err := l.h.ZeroCopyReadPacketData()
	if err != nil {
		if errors.Is(err, pcap.NextErrorTimeoutExpired) {
			return ErrTimeout
		}
		return fmt.Errorf("live capture: %w", err)
	}
	if l.saver != nil {
		if err := l.saver.WritePacket(ci, data); err != nil {
			return fmt.Errorf("writing the capture copy: %w", err)
		}
	}
	p.Data, p.Time, p.Length, p.LinkType = data, ci.Timestamp.UTC(), ci.Length, l.link
	return nil
}

// Stats returns libpcap's counters.
func (l *Live) Stats() (LiveStats, error) {
	s, err := l.h.Stats()
	if err != nil {
		return LiveStats{}, err
	}
	return LiveStats{Received: s.PacketsReceived, KernelDropped: s.PacketsDropped, InterfaceDropped: s.PacketsIfDropped}, nil
}

// Close stops the capture and flushes the copy (the caller closes the
// copy's file).
func (l *Live) Close() error {
	var err error
	if l.save != nil {
		err = l.save.Flush()
	}
	l.h.Close()
	return err
}

// Devices lists the capture devices and their addresses.
func Devices() ([]Device, error) {
	ifs, err := pcap.FindAllDevs()
	if err != nil {
		return nil, fmt.Errorf("listing capture devices: %w", err)
	}
	var out []Device
	for _, i := range ifs {
		d := Device{Name: i.Name, Description: i.Description}
		for _, a := range i.Addresses {
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				d.Addresses = append(d.Addresses, ip.Unmap())
			}
		}
		out = append(out, d)
	}
	return out, nil
}
