package pcaptest

import (
	"bytes"
	"compress/gzip"

	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Format names a complete capture-file encoding for Builder.Bytes.
type Format int

// The formats Builder.Bytes can produce.
const (
	Pcap          Format = iota // Little-endian pcap, microsecond timestamps.
	PcapNano                    // Little-endian pcap, nanosecond timestamps.
	PcapBigEndian               // Big-endian pcap, microsecond timestamps.
	PcapNG                      // Little-endian pcapng, nanosecond timestamps.
	GzipPcap                    // Pcap compressed with gzip.
	GzipPcapNG                  // PcapNG compressed with gzip.
	ZstdPcap                    // Pcap compressed with zstd.
	ZstdPcapNG                  // PcapNG compressed with zstd.
	Lz4Pcap                     // Pcap compressed with lz4 (frame format).
	Lz4PcapNG                   // PcapNG compressed with lz4 (frame format).
)

// String returns the name of the Format constant, for test names.
func (f Format) String() string {
	names := [...]string{"Pcap", "PcapNano", "PcapBigEndian", "PcapNG", "GzipPcap", "GzipPcapNG", "ZstdPcap", "ZstdPcapNG", "Lz4Pcap", "Lz4PcapNG"}
	if f >= 0 && int(f) < len(names) {
		return names[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Write writes the frames to w in format f.
func (b *Builder) Write(w io.Writer, f Format) error {
	switch f {
	case Pcap:
		return b.WritePcap(w, PcapOptions{})
	case PcapNano:
		return b.WritePcap(w, PcapOptions{Nanosecond: true})
	case PcapBigEndian:
		return b.WritePcap(w, PcapOptions{BigEndian: true})
	case PcapNG:
		return b.WritePcapNG(w)
	case GzipPcap, GzipPcapNG:
		inner := Pcap
		if f == GzipPcapNG {
			inner = PcapNG
		}
		zw := gzip.NewWriter(w) // zero header ModTime keeps output deterministic
		if err := b.Write(zw, inner); err != nil {
			return err
		}
		return zw.Close()
	case ZstdPcap, ZstdPcapNG:
		inner := Pcap
		if f == ZstdPcapNG {
			inner = PcapNG
		}
		zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return err
		}
		if err := b.Write(zw, inner); err != nil {
			return err
		}
		return zw.Close()
	case Lz4Pcap, Lz4PcapNG:
		inner := Pcap
		if f == Lz4PcapNG {
			inner = PcapNG
		}
		zw := lz4.NewWriter(w)
		if err := b.Write(zw, inner); err != nil {
			return err
		}
		return zw.Close()
	}
	return fmt.Errorf("pcaptest: unknown format %v", f)
}

// Bytes returns the frames encoded in format f. It panics if they cannot be
// encoded, for example when a pcap would mix link types.
func (b *Builder) Bytes(f Format) []byte {
	var buf bytes.Buffer
	if err := b.Write(&buf, f); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
