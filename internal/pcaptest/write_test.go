package pcaptest

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// smtpConv builds a short SMTP exchange on b with packets at ms(0)..ms(6).
func smtpConv(b *Builder) {
	c := b.Conv(client4, server4, 1000, 5000)
	c.SYN(ms(0))
	c.SYNACK(ms(1))
	c.ACK(ms(2))
	c.Server(ms(3), "220 mx.example ESMTP\r\n")
	c.Client(ms(4), "QUIT\r\n")
	c.Server(ms(5), "221 bye\r\n")
	c.ClientFIN(ms(6))
}

// readPcap reads every record of a pcap file, gzip or not, with pcapgo.
func readPcap(t *testing.T, data []byte) (*pcapgo.Reader, []Packet, []int) {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var pkts []Packet
	var lengths []int
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return r, pkts, lengths
		}
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, Packet{Time: ci.Timestamp, Data: d})
		lengths = append(lengths, ci.Length)
	}
}

func TestPcapFormatsReadBackWithPcapgo(t *testing.T) {
	for _, tc := range []struct {
		format     Format
		resolution time.Duration
	}{
		{Pcap, time.Microsecond},
		{PcapNano, time.Nanosecond},
		{PcapBigEndian, time.Microsecond},
		{GzipPcap, time.Microsecond},
	} {
		t.Run(tc.format.String(), func(t *testing.T) {
			b := NewBuilder(LinuxSLL2)
			smtpConv(b)
			r, got, _ := readPcap(t, b.Bytes(tc.format))
			if r.LinkType() != layers.LinkTypeLinuxSLL2 || r.Snaplen() != DefaultSnaplen {
				t.Errorf("header: link type %v snaplen %d", r.LinkType(), r.Snaplen())
			}
			if len(got) != len(b.Packets) {
				t.Fatalf("read %d packets, want %d", len(got), len(b.Packets))
			}
			for i, p := range got {
				want := b.Packets[i]
				if !bytes.Equal(p.Data, want.Data) {
					t.Errorf("packet %d data differs", i)
				}
				if wantTime := want.Time.Truncate(tc.resolution); !p.Time.Equal(wantTime) {
					t.Errorf("packet %d time %v, want %v", i, p.Time, wantTime)
				}
			}
		})
	}
}

func TestPcapBigEndianNanosecondHeader(t *testing.T) {
	b := NewBuilder(RawIP)
	smtpConv(b)
	var buf bytes.Buffer
	if err := b.WritePcap(&buf, PcapOptions{BigEndian: true, Nanosecond: true, Snaplen: 1500}); err != nil {
		t.Fatal(err)
	}
	hdr := buf.Bytes()[:24]
	if magic := binary.BigEndian.Uint32(hdr); magic != 0xa1b23c4d {
		t.Errorf("magic = %#x", magic)
	}
	if lt := binary.BigEndian.Uint32(hdr[20:]); lt != 101 {
		t.Errorf("link type = %d, want 101", lt)
	}
	r, got, _ := readPcap(t, buf.Bytes())
	if r.Snaplen() != 1500 || len(got) != len(b.Packets) || !got[0].Time.Equal(b.Packets[0].Time) {
		t.Errorf("read snaplen %d, %d packets, first time %v", r.Snaplen(), len(got), got[0].Time)
	}
}

func TestPcapSnaplenTruncatesFramesAndKeepsOriginalLength(t *testing.T) {
	for _, bigEndian := range []bool{false, true} {
		b := NewBuilder(Ethernet)
		smtpConv(b)
		var buf bytes.Buffer
		if err := b.WritePcap(&buf, PcapOptions{BigEndian: bigEndian, Snaplen: 64}); err != nil {
			t.Fatal(err)
		}
		_, got, lengths := readPcap(t, buf.Bytes())
		for i, p := range got {
			full := b.Packets[i].Data
			if lengths[i] != len(full) || !bytes.Equal(p.Data, full[:min(64, len(full))]) {
				t.Errorf("bigEndian=%v packet %d: captured %d of %d bytes, full frame %d", bigEndian, i, len(p.Data), lengths[i], len(full))
			}
		}
	}
}

func TestPcapRejectsMixedLinkTypes(t *testing.T) {
	b := NewBuilder(Ethernet)
	b.Interfaces = []Link{Ethernet, RawIP}
	b.TCP(t0, client4, server4, "S", 1, 0, nil)
	b.Interface = 1
	b.TCP(t0, client4, server4, "S", 1, 0, nil)
	if err := b.WritePcap(io.Discard, PcapOptions{}); err == nil {
		t.Error("WritePcap accepted two link types")
	}
	// VLAN and plain Ethernet share a link type, so they may be mixed.
	b.Interfaces = []Link{Ethernet, EthernetVLAN}
	if err := b.WritePcap(io.Discard, PcapOptions{}); err != nil {
		t.Errorf("WritePcap rejected Ethernet variants: %v", err)
	}
}

// ngRead reads every packet of a pcapng file with mixed link types enabled
// and counts the sections pcapgo saw.
func ngRead(t *testing.T, data []byte) (pkts []Packet, links []layers.LinkType, sections int) {
	t.Helper()
	sections = 1
	r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.NgReaderOptions{
		WantMixedLinkType:  true,
		SectionEndCallback: func([]pcapgo.NgInterface, pcapgo.NgSectionInfo) { sections++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return pkts, links, sections
		}
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, Packet{Time: ci.Timestamp, Data: d, Interface: ci.InterfaceIndex})
		links = append(links, ci.AncillaryData[0].(layers.LinkType))
	}
}

// ngBlockTypes walks the pcapng blocks of data and returns their types.
func ngBlockTypes(t *testing.T, data []byte) []uint32 {
	t.Helper()
	var types []uint32
	for len(data) > 0 {
		if len(data) < 12 {
			t.Fatalf("%d trailing bytes", len(data))
		}
		typ, n := binary.LittleEndian.Uint32(data), binary.LittleEndian.Uint32(data[4:])
		if n%4 != 0 || int(n) > len(data) || binary.LittleEndian.Uint32(data[n-4:]) != n {
			t.Fatalf("block %#x has bad length %d", typ, n)
		}
		types = append(types, typ)
		data = data[n:]
	}
	return types
}

func TestPcapNGReadsBackWithInterfacesAndNanoseconds(t *testing.T) {
	for _, f := range []Format{PcapNG, GzipPcapNG} {
		t.Run(f.String(), func(t *testing.T) {
			b := NewBuilder(Ethernet)
			smtpConv(b)
			got, links, sections := ngRead(t, b.Bytes(f))
			if sections != 1 || len(got) != len(b.Packets) {
				t.Fatalf("read %d sections, %d packets", sections, len(got))
			}
			for i, p := range got {
				if !reflect.DeepEqual(p.Data, b.Packets[i].Data) || !p.Time.Equal(b.Packets[i].Time) ||
					p.Interface != 0 || links[i] != layers.LinkTypeEthernet {
					t.Errorf("packet %d: time %v interface %d link %v", i, p.Time, p.Interface, links[i])
				}
			}
		})
	}
}

func TestPcapNGMixesLinkTypesAcrossInterfaces(t *testing.T) {
	b := NewBuilder(Ethernet)
	b.Interfaces = []Link{EthernetVLAN, LinuxSLL2, RawIP}
	b.VLAN = 7
	for i := range 3 {
		b.Interface = i
		b.TCP(ms(i), client6, server6, "S", 1, 0, nil)
	}
	b.Interface = 4 // beyond Interfaces: framed with b.Link
	b.TCP(ms(3), client4, server4, "S", 1, 0, nil)

	data := b.Bytes(PcapNG)
	wantBlocks := []uint32{ngSectionHeader, 1, 1, 1, 1, 1, 6, 6, 6, 6}
	if got := ngBlockTypes(t, data); !reflect.DeepEqual(got, wantBlocks) {
		t.Errorf("blocks = %v, want %v", got, wantBlocks)
	}
	got, links, _ := ngRead(t, data)
	wantLinks := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL2, layers.LinkTypeRaw, layers.LinkTypeEthernet}
	if !reflect.DeepEqual(links, wantLinks) {
		t.Errorf("link types = %v, want %v", links, wantLinks)
	}
	for i, p := range got {
		if p.Interface != b.Packets[i].Interface {
			t.Errorf("packet %d on interface %d, want %d", i, p.Interface, b.Packets[i].Interface)
		}
		decode(t, b.LinkOf(p.Interface), p.Data)
	}
}

func TestPcapNGSectionBreakStartsSecondSection(t *testing.T) {
	b := NewBuilder(LinuxSLL)
	b.Interfaces = []Link{LinuxSLL, Null}
	smtpConv(b)
	b.Packets[5].Interface = 1 // only the index matters to the file layout
	b.SectionBreakAfter = 3

	data := b.Bytes(PcapNG)
	wantBlocks := []uint32{ngSectionHeader, 1, 1, 6, 6, 6, ngSectionHeader, 1, 1, 6, 6, 6, 6}
	if got := ngBlockTypes(t, data); !reflect.DeepEqual(got, wantBlocks) {
		t.Errorf("blocks = %v, want %v", got, wantBlocks)
	}
	got, _, sections := ngRead(t, data)
	if sections != 2 || len(got) != len(b.Packets) {
		t.Fatalf("read %d sections, %d packets; want 2, %d", sections, len(got), len(b.Packets))
	}
	for i, p := range got {
		if !bytes.Equal(p.Data, b.Packets[i].Data) || p.Interface != b.Packets[i].Interface {
			t.Errorf("packet %d differs", i)
		}
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	for _, f := range []Format{Pcap, PcapNano, PcapBigEndian, PcapNG, GzipPcap, GzipPcapNG} {
		build := func() []byte {
			b := NewBuilder(EthernetQinQ)
			smtpConv(b)
			b.Raw(time.Time{}, []byte{0xde, 0xad})
			return b.Bytes(f)
		}
		if !bytes.Equal(build(), build()) {
			t.Errorf("%v output differs between identical builds", f)
		}
	}
}

func TestZeroTimeIsWrittenAsEpoch(t *testing.T) {
	b := NewBuilder(RawIP)
	b.Raw(time.Time{}, []byte{0x45})
	_, got, _ := readPcap(t, b.Bytes(Pcap))
	ng, _, _ := ngRead(t, b.Bytes(PcapNG))
	if !got[0].Time.Equal(time.Unix(0, 0)) || !ng[0].Time.Equal(time.Unix(0, 0)) {
		t.Errorf("zero time written as %v (pcap) and %v (pcapng)", got[0].Time, ng[0].Time)
	}
}

func TestGzipFormatsAreGzip(t *testing.T) {
	b := NewBuilder(Ethernet)
	smtpConv(b)
	for f, inner := range map[Format]Format{GzipPcap: Pcap, GzipPcapNG: PcapNG} {
		zr, err := gzip.NewReader(bytes.NewReader(b.Bytes(f)))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, b.Bytes(inner)) {
			t.Errorf("%v does not gunzip to %v (err %v)", f, inner, err)
		}
	}
}

func TestBytesPanicsOnUnknownFormat(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	NewBuilder(Ethernet).Bytes(Format(99))
}
