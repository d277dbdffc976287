//go:build (linux || darwin) && !nolibpcap

package capture

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func needLibpcap(t *testing.T) {
	t.Helper()
	if _, err := LibpcapVersion(); err != nil {
		t.Skipf("no libpcap here: %v", err)
	}
}

// TestMissingLibpcapSaysHowToInstallIt: where no libpcap loads, the error
// wraps ErrNoLive, names what was tried and how to install it.
func TestMissingLibpcapSaysHowToInstallIt(t *testing.T) {
	_, err := openLibpcap([]string{"/nonexistent/libpcap.so.1", "libpcap-none.so"})
	if !errors.Is(err, ErrNoLive) {
		t.Fatalf("error %v does not wrap ErrNoLive", err)
	}
	for _, want := range []string{"/nonexistent/libpcap.so.1, libpcap-none.so", "apt-get install libpcap0.8", "dnf install libpcap"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestFilterSelectsWhatItsExpressionSays: a filter compiled by the loaded
// libpcap passes exactly the frames its expression describes, on Ethernet
// and on Linux SLL2 frames, as gopacket's own decoding counts them.
func TestFilterSelectsWhatItsExpressionSays(t *testing.T) {
	needLibpcap(t)
	f, err := NewFilter("tcp[tcpflags] & tcp-syn != 0")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"../testdata/captures/postfix_accept_delivered.pcap", "../testdata/captures/any_sll2_mixed.pcap"} {
		src, err := Open(file, nil)
		if err != nil {
			t.Fatal(err)
		}
		matched, syns, frames := 0, 0, 0
		for {
			var p Packet
			if err := src.Next(&p); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			frames++
			if f.Matches(&p) {
				matched++
			}
			pkt := gopacket.NewPacket(p.Data, layers.LinkType(p.LinkType), gopacket.Default)
			if tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && tcp.SYN {
				syns++
			}
		}
		src.Close()
		if matched != syns || syns == 0 || frames == syns {
			t.Errorf("%s: filter passed %d of %d frames, %d are SYNs", file, matched, frames, syns)
		}
	}
}

// TestBadFilterNamesTheExpression: a syntax error wraps ErrFilter and says
// libpcap's complaint.
func TestBadFilterNamesTheExpression(t *testing.T) {
	needLibpcap(t)
	_, err := NewFilter("tcp port")
	if !errors.Is(err, ErrFilter) || !strings.Contains(err.Error(), `"tcp port"`) || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("error %v", err)
	}
}

// TestDevicesListLoopbackWithItsAddress reads pcap_findalldevs' list.
func TestDevicesListLoopbackWithItsAddress(t *testing.T) {
	needLibpcap(t)
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Name == "lo" || d.Name == "lo0" {
			for _, a := range d.Addresses {
				if a.String() == "127.0.0.1" {
					return
				}
			}
			t.Fatalf("%s has addresses %v", d.Name, d.Addresses)
		}
	}
	t.Errorf("no loopback among %d devices", len(devs))
}
