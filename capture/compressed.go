package capture

import (
	"bufio"
	"bytes"
	"io"

	"github.com/klauspost/compress/gzip"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Magic numbers of the compressed formats a capture may come in.
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
	lz4Magic  = []byte{0x04, 0x22, 0x4d, 0x18} // the lz4 frame format (lz4 -z, lz4 in tcpdump pipelines)
)

// maxZstdWindow bounds the memory a zstd stream may ask for: zstd -19 and
// --long up to 27 use at most 128 MiB; a stream asking for more is refused,
// not allowed to take the machine's memory.
const maxZstdWindow = 128 << 20

// decompressor returns the reader of the bytes raw holds, decompressed
// when its first bytes (magic) are those of gzip, zstd or lz4, and the
// format's file-name suffix ("" when not compressed). The zstd decoder
// decodes on the reading goroutine (concurrency 1: no goroutines of its
// own), so none of them needs closing, and closing the file under a
// blocked read (engine.Run on cancellation) races with nothing.
func decompressor(magic []byte, raw *bufio.Reader) (io.Reader, string, error) {
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(raw)
		return zr, "gz", err
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(raw, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, "zst", err
		}
		return zr.IOReadCloser(), "zst", nil
	case bytes.HasPrefix(magic, lz4Magic):
		return lz4.NewReader(raw), "lz4", nil
	}
	return raw, "", nil
}
