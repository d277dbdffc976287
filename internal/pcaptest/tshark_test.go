package pcaptest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// tshark writes f in format into a temporary file and returns one row per
// frame of the given fields, tab-separated, as tshark decodes them with TCP
// checksum validation on. The test is skipped when tshark is not installed
// or in -short mode.
func tshark(t *testing.T, b *Builder, format Format, fields ...string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("tshark check skipped in -short mode")
	}
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	path := filepath.Join(t.TempDir(), "capture")
	if err := os.WriteFile(path, b.Bytes(format), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-r", path, "-o", "tcp.check_checksum:TRUE", "-T", "fields"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark %v: %v\n%s", format, err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
}

// tsharkLinkProtocols is how tshark names each Link's headers in
// frame.protocols, before the IP layer.
var tsharkLinkProtocols = map[Link]string{
	Ethernet:     "eth:ethertype",
	EthernetVLAN: "eth:ethertype:vlan:ethertype",
	EthernetQinQ: "eth:ethertype:ieee8021ad:ethertype:vlan:ethertype",
	LinuxSLL:     "sll:ethertype",
	LinuxSLL2:    "sll:ethertype",
	RawIP:        "raw",
	Null:         "null",
}

// tsharkRow is the row tshark should print for p, written in format, with
// the fields frame.interface_id, frame.protocols (cut after tcp), ip.ttl,
// ipv6.hlim, tcp.flags, tcp.seq_raw, tcp.ack_raw, tcp.len and
// tcp.checksum.status. Classic pcap files have no interface id.
func tsharkRow(t *testing.T, b *Builder, format Format, p Packet) string {
	t.Helper()
	pk := decode(t, b.LinkOf(p.Interface), p.Data)
	tcp := tcpOf(t, pk)
	proto, ttl, hlim := "ip", "", ""
	if ip, ok := pk.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
		ttl = fmt.Sprint(ip.TTL)
	} else {
		proto, hlim = "ipv6", fmt.Sprint(pk.Layer(layers.LayerTypeIPv6).(*layers.IPv6).HopLimit)
		if pk.Layer(layers.LayerTypeIPv6Destination) != nil {
			proto += ":ipv6.dstopts"
		}
	}
	iface := ""
	if format == PcapNG || format == GzipPcapNG {
		iface = fmt.Sprint(p.Interface)
	}
	status := "1"
	if b.BadChecksums {
		status = "0"
	}
	return strings.Join([]string{
		iface, tsharkLinkProtocols[b.LinkOf(p.Interface)] + ":" + proto + ":tcp", ttl, hlim,
		fmt.Sprintf("0x%04x", tcp.Contents[13]), fmt.Sprint(tcp.Seq), fmt.Sprint(tcp.Ack), fmt.Sprint(len(tcp.Payload)), status,
	}, "\t")
}

var tsharkRowFields = []string{"frame.interface_id", "frame.protocols", "ip.ttl", "ipv6.hlim",
	"tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.checksum.status"}

// cutAfterTCP drops the application protocols tshark appends after tcp.
func cutAfterTCP(rows []string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		f := strings.Split(r, "\t")
		if before, _, ok := strings.Cut(f[1], ":tcp"); ok {
			f[1] = before + ":tcp"
		}
		out[i] = strings.Join(f, "\t")
	}
	return out
}

func TestTsharkDecodesEveryLinkAndFamilyInAMultiSectionPcapNG(t *testing.T) {
	b := NewBuilder(Ethernet)
	b.Interfaces = Links()
	b.VLAN, b.OuterVLAN = 42, 100
	for i := range b.Interfaces {
		b.Interface = i
		for _, fam := range families {
			c := b.Conv(fam.client, fam.server, 1000*uint32(i), 7000)
			c.TTL = uint8(50 + i)
			c.SYN(ms(i))
			c.SYNACK(ms(i))
			c.Client(ms(i), "EHLO x\r\n")
		}
	}
	b.SectionBreakAfter = len(b.Packets) / 2

	var want []string
	for _, p := range b.Packets {
		want = append(want, tsharkRow(t, b, PcapNG, p))
	}
	got := cutAfterTCP(tshark(t, b, PcapNG, tsharkRowFields...))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tshark rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTsharkReadsEveryFileFormat(t *testing.T) {
	for _, tc := range []struct {
		format     Format
		resolution time.Duration
	}{
		{Pcap, time.Microsecond},
		{PcapNano, time.Nanosecond},
		{PcapBigEndian, time.Microsecond},
		{PcapNG, time.Nanosecond},
		{GzipPcap, time.Microsecond},
		{GzipPcapNG, time.Nanosecond},
	} {
		t.Run(tc.format.String(), func(t *testing.T) {
			t.Parallel()
			b := NewBuilder(LinuxSLL2)
			smtpConv(b)
			var want []string
			for _, p := range b.Packets {
				ts := p.Time.Truncate(tc.resolution)
				want = append(want, fmt.Sprintf("%d.%09d\t%s", ts.Unix(), ts.Nanosecond(), tsharkRow(t, b, tc.format, p)))
			}
			got := cutTimeRows(tshark(t, b, tc.format, append([]string{"frame.time_epoch"}, tsharkRowFields...)...))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("tshark rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// cutTimeRows applies cutAfterTCP to rows that start with a time column.
func cutTimeRows(rows []string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		ts, rest, _ := strings.Cut(r, "\t")
		out[i] = ts + "\t" + cutAfterTCP([]string{rest})[0]
	}
	return out
}

func TestTsharkSeesIPv6ExtHeaderAndBadChecksums(t *testing.T) {
	b := NewBuilder(EthernetVLAN)
	b.IPv6ExtHeader, b.BadChecksums = true, true
	c := b.Conv(client6, server6, 1, 2)
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.Client(ms(2), "DATA\r\n")
	b.TCP(ms(3), client4, server4, "PA", 1, 2, []byte("x"))
	var want []string
	for _, p := range b.Packets {
		want = append(want, tsharkRow(t, b, Pcap, p))
	}
	got := cutAfterTCP(tshark(t, b, Pcap, tsharkRowFields...))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tshark rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
