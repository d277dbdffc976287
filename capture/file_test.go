package capture_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// smtpSession appends a short SMTP session with payloads of several sizes
// over both address families, so that frames differ in length and some
// need pcapng padding.
func smtpSession(b *pcaptest.Builder) {
	v6c := pcaptest.Endpoint{Addr: netip.MustParseAddr("2001:db8::7"), Port: 40001}
	v6s := pcaptest.Endpoint{Addr: netip.MustParseAddr("2001:db8::25"), Port: 25}
	at := t0
	tick := func() time.Time { at = at.Add(1234567 * time.Nanosecond); return at }
	for _, ends := range [][2]pcaptest.Endpoint{{cli, srv}, {v6c, v6s}} {
		c := b.Conv(ends[0], ends[1], 1000, 2000)
		c.SYN(tick())
		c.SYNACK(tick())
		c.ACK(tick())
		c.Server(tick(), "220 mx.example ESMTP\r\n")
		c.Client(tick(), "EHLO a\r\n")
		c.Server(tick(), "250-mx.example\r\n250 PIPELINING\r\n")
		c.Client(tick(), "QUIT\r\n")
		c.Server(tick(), "221 bye\r\n")
		c.ServerFIN(tick())
		c.ClientFIN(tick())
	}
}

// wantTime is the timestamp a format keeps of t: microsecond formats
// truncate it.
func wantTime(t time.Time, nanos bool) time.Time {
	if nanos {
		return t
	}
	return t.Truncate(time.Microsecond)
}

// checkPackets compares what the reader returned with the frames the
// builder wrote: bytes, wire length, timestamp (in UTC) and link type.
func checkPackets(t *testing.T, b *pcaptest.Builder, got []capture.Packet, nanos bool) {
	t.Helper()
	if len(got) != len(b.Packets) {
		t.Fatalf("read %d packets, wrote %d", len(got), len(b.Packets))
	}
	for i, p := range got {
		w := b.Packets[i]
		wantLink := capture.LinkType(b.LinkOf(w.Interface).LinkType())
		if !bytes.Equal(p.Data, w.Data) || p.Length != len(w.Data) || p.LinkType != wantLink {
			t.Errorf("packet %d: %d bytes (wire %d) on %v, want %d bytes on %v", i+1, len(p.Data), p.Length, p.LinkType, len(w.Data), wantLink)
		}
		if !p.Time.Equal(wantTime(w.Time, nanos)) || p.Time.Location() != time.UTC {
			t.Errorf("packet %d: time %v, want %v in UTC", i+1, p.Time, wantTime(w.Time, nanos))
		}
	}
}

// TestEveryFormatReturnsFramesTimestampsAndLinkTypes writes the same
// session in every format pcaptest produces, on every link type, and reads
// back each frame unchanged with its timestamp, wire length and link type.
func TestEveryFormatReturnsFramesTimestampsAndLinkTypes(t *testing.T) {
	formats := []struct {
		name   string
		write  func(*pcaptest.Builder) []byte
		format string
		nanos  bool
	}{
		{"pcap", func(b *pcaptest.Builder) []byte { return b.Bytes(pcaptest.Pcap) }, "pcap", false},
		{"pcap-ns", func(b *pcaptest.Builder) []byte { return b.Bytes(pcaptest.PcapNano) }, "pcap", true},
		{"pcap-be", func(b *pcaptest.Builder) []byte { return b.Bytes(pcaptest.PcapBigEndian) }, "pcap", false},
		{"pcap-be-ns", func(b *pcaptest.Builder) []byte {
			var buf bytes.Buffer
			if err := b.WritePcap(&buf, pcaptest.PcapOptions{BigEndian: true, Nanosecond: true}); err != nil {
				panic(err)
			}
			return buf.Bytes()
		}, "pcap", true},
		{"pcapng", func(b *pcaptest.Builder) []byte { return b.Bytes(pcaptest.PcapNG) }, "pcapng", true},
		{"pcap.gz", func(b *pcaptest.Builder) []byte { return b.Bytes(pcaptest.GzipPcap) }, "pcap.gz", false},
		{"pcapng.gz", func(b *pcaptest.Builder) []byte { return b.Bytes(pcaptest.GzipPcapNG) }, "pcapng.gz", true},
	}
	for _, link := range pcaptest.Links() {
		for _, f := range formats {
			t.Run(link.String()+"/"+f.name, func(t *testing.T) {
				b := pcaptest.NewBuilder(link)
				b.VLAN, b.OuterVLAN = 10, 20
				smtpSession(b)
				src, got, err := readAll(t, f.write(b))
				if err != nil {
					t.Fatal(err)
				}
				if src.Format() != f.format {
					t.Errorf("Format() = %q, want %q", src.Format(), f.format)
				}
				want := capture.LinkType(link.LinkType())
				if lts := src.LinkTypes(); len(lts) != 1 || lts[0] != want {
					t.Errorf("LinkTypes() = %v, want [%v]", lts, want)
				}
				if src.Packets() != uint64(len(b.Packets)) {
					t.Errorf("Packets() = %d, want %d", src.Packets(), len(b.Packets))
				}
				checkPackets(t, b, got, f.nanos)
			})
		}
	}
}

// TestPcapNGMixedLinkTypesInTwoSections reads a pcapng whose interfaces
// have four different link types and which starts a second section part
// way: every frame keeps the link type of its own interface.
func TestPcapNGMixedLinkTypesInTwoSections(t *testing.T) {
	for _, f := range []pcaptest.Format{pcaptest.PcapNG, pcaptest.GzipPcapNG} {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		b.Interfaces = []pcaptest.Link{pcaptest.Ethernet, pcaptest.RawIP, pcaptest.LinuxSLL, pcaptest.Null}
		c := b.Conv(cli, srv, 1, 2)
		for i, step := range []func(time.Time){c.SYN, c.SYNACK, c.ACK, c.ServerFIN, c.ClientFIN, c.ServerACK} {
			b.Interface = []int{0, 1, 2, 3, 1, 0}[i]
			step(t0.Add(time.Duration(i) * time.Second))
		}
		b.SectionBreakAfter = 3
		src, got, err := readAll(t, b.Bytes(f))
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		checkPackets(t, b, got, true)
		want := []capture.LinkType{capture.LinkEthernet, capture.LinkRaw, capture.LinkLinuxSLL, capture.LinkNull}
		if fmt.Sprint(src.LinkTypes()) != fmt.Sprint(want) {
			t.Errorf("%v: LinkTypes() = %v, want %v", f, src.LinkTypes(), want)
		}
	}
}

// TestNotACaptureWrapsErrNotCaptureAndNamesTheFile opens files that are
// not captures, from disk and through gzip, and expects ErrNotCapture with
// the file's name.
func TestNotACaptureWrapsErrNotCaptureAndNamesTheFile(t *testing.T) {
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	text := []byte("Received: from mx.example\r\nSubject: hello\r\n\r\nbody\r\n")
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"text.eml", text},
		{"empty.pcap", nil},
		{"three-bytes.pcap", []byte{0xd4, 0xc3, 0xb2}},
		{"one-byte.pcap", []byte{0x0a}},
		{"text.eml.gz", gz(text)},
		{"empty.gz", gz(nil)},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, tc.data, 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := capture.Open(path, nil)
		if err == nil {
			src.Close()
		}
		if !errors.Is(err, capture.ErrNotCapture) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: got %v, want ErrNotCapture naming %s", tc.name, err, path)
		}
	}
}

// TestMissingFileIsAnOpenError checks that a missing file is reported as
// such, with its name, and not as "not a capture".
func TestMissingFileIsAnOpenError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.pcap")
	_, err := capture.Open(path, nil)
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, capture.ErrNotCapture) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v", err)
	}
}

// setPcapLinkType rewrites the link type in a pcap file header of either
// byte order.
func setPcapLinkType(data []byte, lt uint32) {
	if binary.LittleEndian.Uint32(data) == 0xa1b2c3d4 || binary.LittleEndian.Uint32(data) == 0xa1b23c4d {
		binary.LittleEndian.PutUint32(data[20:], lt)
	} else {
		binary.BigEndian.PutUint32(data[20:], lt)
	}
}

// ngBlock is one block of a little-endian pcapng file.
type ngBlock struct {
	typ         uint32
	start, size int
}

// ngBlocks splits a little-endian pcapng file into its blocks.
func ngBlocks(t *testing.T, data []byte) []ngBlock {
	t.Helper()
	var out []ngBlock
	for off := 0; off < len(data); {
		size := int(binary.LittleEndian.Uint32(data[off+4:]))
		if size < 12 || off+size > len(data) {
			t.Fatalf("bad block at %d", off)
		}
		out = append(out, ngBlock{binary.LittleEndian.Uint32(data[off:]), off, size})
		off += size
	}
	return out
}

// TestUnsupportedLinkTypeWrapsErrAndNamesIt opens pcap files of both byte
// orders with link type 147 (USER0): the error wraps
// ErrUnsupportedLinkType, names the file and the link type.
func TestUnsupportedLinkTypeWrapsErrAndNamesIt(t *testing.T) {
	for _, f := range []pcaptest.Format{pcaptest.Pcap, pcaptest.PcapNano, pcaptest.PcapBigEndian} {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		session(b)
		data := b.Bytes(f)
		setPcapLinkType(data, 147)
		_, err := capture.NewReader("user0.pcap", io.NopCloser(bytes.NewReader(data)))
		if !errors.Is(err, capture.ErrUnsupportedLinkType) || !strings.Contains(err.Error(), "147") || !strings.Contains(err.Error(), "user0.pcap") {
			t.Errorf("%v: got %v", f, err)
		}
	}
}

// TestPcapNGUnsupportedSecondInterface reads a pcapng whose second
// interface has link type 147: the frames of the first interface before
// it come out, then an error that wraps ErrUnsupportedLinkType and names
// the file, the link type and the interface.
func TestPcapNGUnsupportedSecondInterface(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	b.Interfaces = []pcaptest.Link{pcaptest.Ethernet, pcaptest.Ethernet}
	c := b.Conv(cli, srv, 1, 2)
	c.SYN(t0)
	c.SYNACK(t0.Add(time.Millisecond))
	b.Interface = 1
	c.ACK(t0.Add(2 * time.Millisecond))
	b.Interface = 0
	c.ServerRST(t0.Add(3 * time.Millisecond))
	data := b.Bytes(pcaptest.PcapNG)
	idbs := 0
	for _, blk := range ngBlocks(t, data) {
		if blk.typ == 1 {
			if idbs == 1 {
				binary.LittleEndian.PutUint16(data[blk.start+8:], 147)
			}
			idbs++
		}
	}
	src, got, err := readAll(t, data)
	if !errors.Is(err, capture.ErrUnsupportedLinkType) {
		t.Fatalf("got %v, want ErrUnsupportedLinkType", err)
	}
	for _, s := range []string{"test.cap", "147", "interface 1"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
	if len(got) != 2 || src.Packets() != 2 {
		t.Errorf("%d packets before the error, want 2", len(got))
	}
	var p capture.Packet
	if again := src.Next(&p); again != err {
		t.Errorf("Next after the error returned %v", again)
	}
}

// recordStarts returns the byte offsets of the packet records of an
// uncompressed pcap or little-endian pcapng file, and, for pcapng, of
// every block that is not a packet.
func recordStarts(t *testing.T, data []byte) (packets, others []int) {
	t.Helper()
	if binary.LittleEndian.Uint32(data) == 0x0a0d0d0a {
		for _, blk := range ngBlocks(t, data) {
			if blk.typ == 6 {
				packets = append(packets, blk.start)
			} else {
				others = append(others, blk.start)
			}
		}
		return packets, others
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if m := binary.BigEndian.Uint32(data); m == 0xa1b2c3d4 || m == 0xa1b23c4d {
		order = binary.BigEndian
	}
	for off := 24; off < len(data); off += 16 + int(order.Uint32(data[off+8:])) {
		packets = append(packets, off)
	}
	return packets, nil
}

// TestTruncatedFileKeepsEarlierPacketsAndReportsTheDamage cuts every
// uncompressed format at several places inside the third record (and, for
// pcapng, inside the second section header): the packets before come out
// intact, then a *ReadError names the file, the packet number and the byte
// offset where the damaged record starts.
func TestTruncatedFileKeepsEarlierPacketsAndReportsTheDamage(t *testing.T) {
	for _, f := range []pcaptest.Format{pcaptest.Pcap, pcaptest.PcapNano, pcaptest.PcapBigEndian, pcaptest.PcapNG} {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		smtpSession(b)
		b.SectionBreakAfter = 5
		full := b.Bytes(f)
		starts, others := recordStarts(t, full)
		rec := starts[2]
		cuts := []struct {
			name    string
			cut     int
			packets int // packets read before the damage
			offset  int
		}{
			{"inside the record header", rec + 3, 2, rec},
			{"after the first 8 header bytes", rec + 8, 2, rec},
			{"after the record header", rec + 16, 2, rec},
			{"inside the frame", rec + 30, 2, rec},
			{"one byte short", starts[3] - 1, 2, rec},
		}
		if f == pcaptest.PcapNG {
			shb := others[len(others)-2] // the second section header, then its interface
			cuts = append(cuts,
				struct {
					name         string
					cut, packets int
					offset       int
				}{"inside the second section header", shb + 10, 5, shb},
				struct {
					name         string
					cut, packets int
					offset       int
				}{"inside the second section's interface", others[len(others)-1] + 12, 5, shb},
			)
		}
		for _, tc := range cuts {
			name := fmt.Sprintf("%v %s", f, tc.name)
			_, got, err := readAll(t, full[:tc.cut])
			var re *capture.ReadError
			if !errors.As(err, &re) {
				t.Errorf("%s: got %v after %d packets, want a *ReadError", name, err, len(got))
				continue
			}
			if len(got) != tc.packets || re.Packet != uint64(tc.packets+1) || re.Offset != int64(tc.offset) || re.File != "test.cap" {
				t.Errorf("%s: %d packets, then %+v; want %d packets, damage at packet %d offset %d", name, len(got), re, tc.packets, tc.packets+1, tc.offset)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "test.cap") {
				t.Errorf("%s: %v does not wrap io.ErrUnexpectedEOF or name the file", name, err)
			}
			for i, p := range got {
				if !bytes.Equal(p.Data, b.Packets[i].Data) {
					t.Errorf("%s: packet %d differs", name, i+1)
				}
			}
		}
		// A cut exactly between two records cannot be told from the end.
		_, got, err := readAll(t, full[:rec])
		if err != nil || len(got) != 2 {
			t.Errorf("%v cut between records: %d packets, %v", f, len(got), err)
		}
	}
}

// TestCorruptRecordLengthIsAReadError gives one record an absurd capture
// length, in pcap of both byte orders and in pcapng: the records before it
// come out, then a *ReadError at the corrupt record's offset.
func TestCorruptRecordLengthIsAReadError(t *testing.T) {
	for _, tc := range []struct {
		f     pcaptest.Format
		field int // offset of the capture length in the record
		order binary.ByteOrder
		value uint32
	}{
		{pcaptest.Pcap, 8, binary.LittleEndian, 0x7fffffff},
		{pcaptest.PcapBigEndian, 8, binary.BigEndian, 0x7fffffff},
		{pcaptest.Pcap, 8, binary.LittleEndian, 5000}, // longer than the frame's wire length
		{pcaptest.PcapNG, 20, binary.LittleEndian, 0x7fffffff},
	} {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		smtpSession(b)
		data := b.Bytes(tc.f)
		starts, _ := recordStarts(t, data)
		tc.order.PutUint32(data[starts[3]+tc.field:], tc.value)
		_, got, err := readAll(t, data)
		var re *capture.ReadError
		if !errors.As(err, &re) || len(got) != 3 || re.Packet != 4 || re.Offset != int64(starts[3]) {
			t.Errorf("%v length %d: %d packets, err %v; want 3 packets then damage at %d", tc.f, tc.value, len(got), err, starts[3])
		}
	}
}

// TestTruncatedGzipStream cuts the compressed bytes of gzip captures at
// several places, including inside the gzip trailer: whatever decompresses
// comes out intact, then a *ReadError whose offset, in the decompressed
// stream, is the start of the record it names. A cut trailer is damage
// too, never a clean end.
func TestTruncatedGzipStream(t *testing.T) {
	for _, f := range []pcaptest.Format{pcaptest.GzipPcap, pcaptest.GzipPcapNG} {
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		smtpSession(b)
		plain := pcaptest.Pcap
		if f == pcaptest.GzipPcapNG {
			plain = pcaptest.PcapNG
		}
		raw := b.Bytes(plain)
		starts, _ := recordStarts(t, raw)
		starts = append(starts, len(raw)) // a cut gzip trailer is damage after the last record
		full := b.Bytes(f)
		// Cuts in the deflate data, and in the 8-byte trailer (CRC and
		// length) after all the data.
		for _, cut := range []int{len(full) / 2, len(full) * 3 / 4, len(full) - 9, len(full) - 4, len(full) - 1} {
			_, got, err := readAll(t, full[:cut])
			var re *capture.ReadError
			if !errors.As(err, &re) {
				t.Errorf("%v cut at %d: %d packets, err %v", f, cut, len(got), err)
				continue
			}
			if re.Packet != uint64(len(got)+1) || re.Offset != int64(starts[len(got)]) {
				t.Errorf("%v cut at %d: %d packets then %+v, want offset %d", f, cut, len(got), re, starts[len(got)])
			}
			for i, p := range got {
				if !bytes.Equal(p.Data, b.Packets[i].Data) {
					t.Errorf("%v cut at %d: packet %d differs", f, cut, i+1)
				}
			}
		}
	}
}

// TestReadErrorIsReturnedAgain checks that Next keeps returning the same
// error after damage and reads nothing more.
func TestReadErrorIsReturnedAgain(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	smtpSession(b)
	full := b.Bytes(pcaptest.Pcap)
	src, _, err := readAll(t, full[:len(full)-3])
	var p capture.Packet
	for range 3 {
		if again := src.Next(&p); again != err {
			t.Fatalf("Next after %v returned %v", err, again)
		}
	}
	if src.Packets() != uint64(len(b.Packets)-1) {
		t.Errorf("Packets() = %d, want %d", src.Packets(), len(b.Packets)-1)
	}
}

// TestStandardInputEveryFormat reads each format through Open("-"), and a
// truncated capture on standard input reports its damage as file "-".
func TestStandardInputEveryFormat(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.LinuxSLL2)
	smtpSession(b)
	for _, f := range []pcaptest.Format{pcaptest.Pcap, pcaptest.PcapNano, pcaptest.PcapBigEndian, pcaptest.PcapNG, pcaptest.GzipPcap, pcaptest.GzipPcapNG} {
		src, err := capture.Open("-", bytes.NewReader(b.Bytes(f)))
		if err != nil {
			t.Fatalf("%v: %v", f, err)
		}
		var p capture.Packet
		n := 0
		for {
			err := src.Next(&p)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%v: %v", f, err)
			}
			if !bytes.Equal(p.Data, b.Packets[n].Data) || p.LinkType != capture.LinkLinuxSLL2 {
				t.Errorf("%v: packet %d differs", f, n+1)
			}
			n++
		}
		if n != len(b.Packets) || src.Name() != "-" {
			t.Errorf("%v: %d packets from %q", f, n, src.Name())
		}
		if err := src.Close(); err != nil {
			t.Errorf("%v: Close: %v", f, err)
		}
	}
	full := b.Bytes(pcaptest.Pcap)
	src, err := capture.Open("-", bytes.NewReader(full[:len(full)-5]))
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	for err == nil {
		err = src.Next(&p)
	}
	var re *capture.ReadError
	if !errors.As(err, &re) || re.File != "-" {
		t.Errorf("truncated stdin: %v", err)
	}
	if _, err := capture.Open("-", strings.NewReader("HELO\r\n")); !errors.Is(err, capture.ErrNotCapture) || !strings.HasPrefix(err.Error(), "-:") {
		t.Errorf("text on stdin: %v", err)
	}
}
