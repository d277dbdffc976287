package capture_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// readBatches reads data with ReadBatch through batches of the given size,
// rotating over three of them, and returns every frame, copied, and the
// error that ended the reading (nil for io.EOF), after checking that a
// further ReadBatch returns that error again with no frame.
func readBatches(t *testing.T, r io.Reader, size int) ([]capture.Packet, error) {
	t.Helper()
	src, err := capture.NewReader("test.cap", io.NopCloser(r))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	batches := []*capture.Batch{capture.NewBatch(size), capture.NewBatch(size), capture.NewBatch(size)}
	var out []capture.Packet
	for i := 0; ; i++ {
		b := batches[i%len(batches)]
		err := src.ReadBatch(b)
		for _, p := range b.Packets {
			q := p
			q.Data = bytes.Clone(p.Data)
			out = append(out, q)
		}
		if err != nil {
			if again := src.ReadBatch(b); again != err || len(b.Packets) != 0 {
				t.Errorf("ReadBatch after %v: %v with %d frames", err, again, len(b.Packets))
			}
			if src.Packets() != uint64(len(out)) {
				t.Errorf("Packets() = %d after %d frames", src.Packets(), len(out))
			}
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
		if len(b.Packets) == 0 {
			t.Fatalf("ReadBatch returned no frame and no error")
		}
	}
}

// TestReadBatchGivesTheFramesNextGives reads every format through batches
// of several sizes, from a file and from a pipe that returns one byte or
// half a buffer at a time: the same frames as Next, in order, with their
// timestamps and link types, and Packets and Offset at the end agree.
func TestReadBatchGivesTheFramesNextGives(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	smtpSession(b)
	for _, f := range []pcaptest.Format{pcaptest.Pcap, pcaptest.PcapNano, pcaptest.PcapBigEndian, pcaptest.PcapNG, pcaptest.GzipPcap, pcaptest.GzipPcapNG} {
		data := b.Bytes(f)
		nanos := f == pcaptest.PcapNano || f == pcaptest.PcapNG || f == pcaptest.GzipPcapNG
		for _, size := range []int{0, 1, 60, 100, 1000} {
			for name, wrap := range map[string]func(io.Reader) io.Reader{
				"file": func(r io.Reader) io.Reader { return r },
				"byte": iotest.OneByteReader,
				"half": iotest.HalfReader,
			} {
				got, err := readBatches(t, wrap(bytes.NewReader(data)), size)
				if err != nil {
					t.Fatalf("%v size %d %s: %v", f, size, name, err)
				}
				checkPackets(t, b, got, nanos)
			}
		}
	}
}

// TestReadBatchKeepsEveryBatchIntact holds three batches at once while a
// pcap is read through them: the frames of each are still what they were
// when read after the next two were filled.
func TestReadBatchKeepsEveryBatchIntact(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	for range 20 {
		smtpSession(b)
	}
	for _, f := range []pcaptest.Format{pcaptest.Pcap, pcaptest.PcapNG} {
		src, err := capture.NewReader("test.cap", io.NopCloser(bytes.NewReader(b.Bytes(f))))
		if err != nil {
			t.Fatal(err)
		}
		ring := [3]*capture.Batch{capture.NewBatch(700), capture.NewBatch(700), capture.NewBatch(700)}
		var firsts [3][][]byte
		n := 0
		for i := 0; ; i++ {
			k := i % 3
			if firsts[k] != nil {
				// Before reusing batch k, its frames are still the ones read.
				for j, p := range ring[k].Packets {
					if !bytes.Equal(p.Data, firsts[k][j]) {
						t.Fatalf("%v: batch %d frame %d changed while the other batches were read", f, i-3, j)
					}
				}
			}
			err := src.ReadBatch(ring[k])
			firsts[k] = nil
			for _, p := range ring[k].Packets {
				if !bytes.Equal(p.Data, b.Packets[n].Data) {
					t.Fatalf("%v: frame %d differs", f, n+1)
				}
				firsts[k] = append(firsts[k], bytes.Clone(p.Data))
				n++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if n != len(b.Packets) {
			t.Errorf("%v: %d frames, want %d", f, n, len(b.Packets))
		}
	}
}

// TestReadBatchOnDamageKeepsTheFramesBefore cuts a pcap inside its third
// record and gives one record an impossible length: ReadBatch hands out
// the frames before the damage, then the *ReadError Next gives, with the
// same offset and packet number, and returns it again after.
func TestReadBatchOnDamageKeepsTheFramesBefore(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	smtpSession(b)
	full := b.Bytes(pcaptest.Pcap)
	starts, _ := recordStarts(t, full)
	corrupt := bytes.Clone(full)
	corrupt[starts[3]+8] = 0xff
	corrupt[starts[3]+9] = 0xff
	corrupt[starts[3]+10] = 0xff
	for name, tc := range map[string]struct {
		data    []byte
		packets int
		is      error
	}{
		"cut":     {full[:starts[2]+30], 2, io.ErrUnexpectedEOF},
		"corrupt": {corrupt, 3, nil},
	} {
		for _, size := range []int{0, 100} {
			_, _, wantErr := readAll(t, tc.data)
			got, err := readBatches(t, bytes.NewReader(tc.data), size)
			var re, want *capture.ReadError
			if !errors.As(err, &re) || !errors.As(wantErr, &want) {
				t.Fatalf("%s size %d: %v (Next gave %v), want a *ReadError", name, size, err, wantErr)
			}
			if len(got) != tc.packets || re.Packet != want.Packet || re.Offset != want.Offset || re.Offset != int64(starts[tc.packets]) || re.Error() != want.Error() {
				t.Errorf("%s size %d: %d frames then %v; Next: %v", name, size, len(got), re, want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%s: %v does not wrap %v", name, err, tc.is)
			}
		}
	}
}

// TestHugeRecordLengthUnderHugeSnapLength gives a pcap a snap length of
// 2^31-1 and its second record a captured length of a gigabyte, in a file
// of a few hundred bytes: reading stops at that record, damaged, without
// allocating anything like a gigabyte on the way.
func TestHugeRecordLengthUnderHugeSnapLength(t *testing.T) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	smtpSession(b)
	data := b.Bytes(pcaptest.Pcap)
	binary.LittleEndian.PutUint32(data[16:20], 0x7fffffff) // snap length
	starts, _ := recordStarts(t, data)
	binary.LittleEndian.PutUint32(data[starts[1]+8:], 1<<30)  // captured length
	binary.LittleEndian.PutUint32(data[starts[1]+12:], 1<<30) // wire length
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := readBatches(t, bytes.NewReader(data), 0)
	runtime.ReadMemStats(&after)
	var re *capture.ReadError
	if !errors.As(err, &re) || len(got) != 1 || re.Offset != int64(starts[1]) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("%d frames, then %v", len(got), err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
		t.Errorf("reading a %d-byte file allocated %d MiB", len(data), n>>20)
	}
}

// FuzzReadBatchMatchesNext reads any input both ways, frame by frame and
// in small batches: the same frames, then the same error, and never a
// panic or an endless loop.
func FuzzReadBatchMatchesNext(f *testing.F) {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	smtpSession(b)
	for _, fm := range []pcaptest.Format{pcaptest.Pcap, pcaptest.PcapNano, pcaptest.PcapBigEndian, pcaptest.PcapNG, pcaptest.GzipPcap} {
		f.Add(b.Bytes(fm), uint16(100))
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint16) {
		byNext, nextErr := func() ([]capture.Packet, error) {
			src, err := capture.NewReader("fuzz", io.NopCloser(bytes.NewReader(data)))
			if err != nil {
				return nil, err
			}
			var out []capture.Packet
			for range 100000 {
				var p capture.Packet
				if err := src.Next(&p); err != nil {
					return out, err
				}
				p.Data = bytes.Clone(p.Data)
				out = append(out, p)
			}
			t.Fatal("no end after 100000 packets")
			return nil, nil
		}()
		src, err := capture.NewReader("fuzz", io.NopCloser(bytes.NewReader(data)))
		if err != nil {
			if nextErr == nil || err.Error() != nextErr.Error() {
				t.Fatalf("opening: %v, then %v", err, nextErr)
			}
			return
		}
		batch := capture.NewBatch(int(size))
		var got []capture.Packet
		for range 100000 {
			err = src.ReadBatch(batch)
			for _, p := range batch.Packets {
				p.Data = bytes.Clone(p.Data)
				got = append(got, p)
			}
			if err != nil {
				break
			}
		}
		if err == nil {
			t.Fatal("no end after 100000 batches")
		}
		if len(got) != len(byNext) || err.Error() != nextErr.Error() {
			t.Fatalf("batches: %d frames then %v; Next: %d frames then %v", len(got), err, len(byNext), nextErr)
		}
		for i := range got {
			if !bytes.Equal(got[i].Data, byNext[i].Data) || !got[i].Time.Equal(byNext[i].Time) || got[i].Length != byNext[i].Length || got[i].LinkType != byNext[i].LinkType {
				t.Fatalf("frame %d differs", i+1)
			}
		}
	})
}
