package capture_test

import (
	"bytes"
	"compress/gzip"

	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

var (
	t0  = time.Date(2026, 4, 1, 8, 0, 0, 123456789, time.UTC)
	cli = pcaptest.Endpoint{Addr: netip.MustParseAddr("198.51.100.7"), Port: 40000}
	srv = pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}
)

func session(b *pcaptest.Builder) {
	c := b.Conv(cli, srv, 1, 2)
	c.SYN(t0)
	c.SYNACK(t0.Add(time.Millisecond))
	c.ACK(t0.Add(2 * time.Millisecond))
	c.ServerRST(t0.Add(3 * time.Millisecond))
}

func readAll(t *testing.T, data []byte) (*capture.File, []capture.Packet, error) {
	t.Helper()
	src, err := capture.NewReader("test.cap", io.NopCloser(bytes.NewReader(data)))
	if err != nil {
		return nil, nil, err
	}
	var out []capture.Packet
	for {
		var p capture.Packet
		err := src.Next(&p)
		if err == io.EOF {
			return src, out, nil
		}
		if err != nil {
			return src, out, err
		}
		p.Data = append([]byte(nil), p.Data...)
		out = append(out, p)
	}
}

func TestEveryFileFormatIsRead(t *testing.T) {
	for _, tc := range []struct {
		f      pcaptest.Format
		format string
		nanos  bool
	}{
		{pcaptest.Pcap, "pcap", false},
		{pcaptest.PcapNano, "pcap", true},
		{pcaptest.PcapBigEndian, "pcap", false},
		{pcaptest.PcapNG, "pcapng", true},
		{pcaptest.GzipPcap, "pcap.gz", false},
		{pcaptest.GzipPcapNG, "pcapng.gz", true},
		{pcaptest.ZstdPcap, "pcap.zst", false},
		{pcaptest.ZstdPcapNG, "pcapng.zst", true},
		{pcaptest.Lz4Pcap, "pcap.lz4", false},
		{pcaptest.Lz4PcapNG, "pcapng.lz4", true},
	} {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		session(b)
		src, pkts, err := readAll(t, b.Bytes(tc.f))
		if err != nil {
			t.Fatalf("%v: %v", tc.f, err)
		}
		want := t0.Truncate(time.Microsecond)
		if tc.nanos {
			want = t0
		}
		if src.Format() != tc.format || len(pkts) != 4 || !pkts[0].Time.Equal(want) || pkts[0].LinkType != capture.LinkEthernet {
			t.Errorf("%v: format %s, %d packets, first at %v link %v", tc.f, src.Format(), len(pkts), pkts[0].Time, pkts[0].LinkType)
		}
	}
}

func TestPcapNGWithSeveralInterfacesAndSections(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	b.Interfaces = []pcaptest.Link{pcaptest.Ethernet, pcaptest.LinuxSLL2}
	b.SectionBreakAfter = 2
	c := b.Conv(cli, srv, 1, 2)
	c.SYN(t0)
	b.Interface = 1
	c.SYNACK(t0.Add(time.Millisecond))
	b.Interface = 0
	c.ACK(t0.Add(2 * time.Millisecond))
	b.Interface = 1
	c.ServerRST(t0.Add(3 * time.Millisecond))
	src, pkts, err := readAll(t, b.Bytes(pcaptest.PcapNG))
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, p := range pkts {
		links = append(links, p.LinkType.String())
	}
	if got := strings.Join(links, " "); got != "EN10MB LINUX_SLL2 EN10MB LINUX_SLL2" {
		t.Errorf("link types %s", got)
	}
	if len(src.LinkTypes()) != 2 {
		t.Errorf("LinkTypes %v", src.LinkTypes())
	}
}

func TestNotACaptureNamesTheFile(t *testing.T) {
	for name, data := range map[string][]byte{
		"text":  []byte("From: someone\r\nSubject: not a pcap\r\n"),
		"empty": nil,
		"short": {0xd4, 0xc3, 0xb2},
	} {
		_, err := capture.NewReader("mail.txt", io.NopCloser(bytes.NewReader(data)))
		if !errors.Is(err, capture.ErrNotCapture) || !strings.Contains(err.Error(), "mail.txt") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestUnsupportedLinkTypeIsNamed(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	session(b)
	data := b.Bytes(pcaptest.Pcap)
	data[20] = 147
	_, err := capture.NewReader("user0.pcap", io.NopCloser(bytes.NewReader(data)))
	if !errors.Is(err, capture.ErrUnsupportedLinkType) || !strings.Contains(err.Error(), "147") {
		t.Errorf("got %v", err)
	}
}

func TestTruncatedCaptureReportsOffsetAndPacket(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	session(b)
	full := b.Bytes(pcaptest.Pcap)
	// Record starts: 24, then 16-byte header + frame each.
	starts := []int{24}
	for _, p := range b.Packets {
		starts = append(starts, starts[len(starts)-1]+16+len(p.Data))
	}
	for _, tc := range []struct {
		name string
		cut  int
	}{
		{"inside the third record's data", starts[2] + 16 + 5},
		{"inside the third record's header", starts[2] + 7},
	} {
		_, pkts, err := readAll(t, full[:tc.cut])
		var re *capture.ReadError
		if !errors.As(err, &re) || len(pkts) != 2 || re.Packet != 3 || re.Offset != int64(starts[2]) || re.File != "test.cap" {
			t.Errorf("%s: %d packets, err %v", tc.name, len(pkts), err)
		}
	}
	// The same cut inside a compressed stream, then the compressed stream
	// itself cut short: the frames before the damage are kept.
	for name, compress := range map[string]func(io.Writer) io.WriteCloser{
		"gzip": func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) },
		"zstd": func(w io.Writer) io.WriteCloser { zw, _ := zstd.NewWriter(w); return zw },
		"lz4":  func(w io.Writer) io.WriteCloser { return lz4.NewWriter(w) },
	} {
		var z bytes.Buffer
		zw := compress(&z)
		zw.Write(full[:starts[2]+20])
		zw.Close()
		_, pkts, err := readAll(t, z.Bytes())
		var re *capture.ReadError
		if !errors.As(err, &re) || len(pkts) != 2 || re.Packet != 3 {
			t.Errorf("%s, capture cut: %d packets, err %v", name, len(pkts), err)
		}
		z.Reset()
		zw = compress(&z)
		zw.Write(full)
		zw.Close()
		// A block cut short yields none of its frames: the error is a
		// ReadError after the frames of the blocks before it, or, when
		// the cut is in the first block, an error naming the
		// compression, never "not a capture".
		_, pkts, err = readAll(t, z.Bytes()[:z.Len()*2/3])
		if err == nil || len(pkts) >= 4 || errors.Is(err, capture.ErrNotCapture) ||
			!errors.As(err, &re) && !strings.Contains(err.Error(), map[string]string{"gzip": "gz", "zstd": "zst", "lz4": "lz4"}[name]) {
			t.Errorf("%s, compressed stream cut: %d packets, err %v", name, len(pkts), err)
		}
	}
}

func TestCorruptRecordLengthStopsWithError(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	session(b)
	data := b.Bytes(pcaptest.Pcap)
	second := 24 + 16 + len(b.Packets[0].Data)
	copy(data[second+8:], []byte{0xff, 0xff, 0xff, 0x7f}) // absurd capture length
	_, pkts, err := readAll(t, data)
	var re *capture.ReadError
	if !errors.As(err, &re) || len(pkts) != 1 || re.Offset != int64(second) {
		t.Errorf("%d packets, err %v", len(pkts), err)
	}
}

func TestStandardInput(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	session(b)
	src, err := capture.Open("-", bytes.NewReader(b.Bytes(pcaptest.GzipPcapNG)))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var p capture.Packet
	n := 0
	for src.Next(&p) == nil {
		n++
	}
	if n != 4 || src.Name() != "-" {
		t.Errorf("%d packets from %s", n, src.Name())
	}
}

// FuzzReader checks that no input, however damaged, makes the reader
// panic or loop: it either fails to open, or ends with io.EOF or an error.
func FuzzReader(f *testing.F) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	session(b)
	for _, fm := range []pcaptest.Format{pcaptest.Pcap, pcaptest.PcapNano, pcaptest.PcapBigEndian, pcaptest.PcapNG, pcaptest.GzipPcap} {
		f.Add(b.Bytes(fm))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := capture.NewReader("fuzz", io.NopCloser(bytes.NewReader(data)))
		if err != nil {
			return
		}
		var p capture.Packet
		for i := 0; i < 100000; i++ {
			if err := src.Next(&p); err != nil {
				return
			}
		}
		t.Fatal("no end after 100000 packets")
	})
}
