package capture

import (
	"encoding/binary"
	"io"
	"sync"
)

// SecretsTLSKeyLog is the pcapng Decryption Secrets Block type of a TLS
// key log (NSS key log text), as "editcap --inject-secrets tls,FILE"
// writes it.
const SecretsTLSKeyLog = 0x544c534b

// maxSecretsBlock bounds the Decryption Secrets Block kept whole; a larger
// one is skipped (a key log of that size is not one a capture carries).
const maxSecretsBlock = 16 << 20

// Secrets hands out the decryption secrets a pcapng file embeds
// (Decryption Secrets Blocks), in file order.
//
// Lifecycle: the secrets of a block are collected as the file is read
// (the blocks before the first packet already by Open); fn, set by
// OnSecrets, is called at once with those collected so far and then with
// each later block, on the goroutine that reads the file. The data
// passed is fn's to keep.
type Secrets struct {
	mu      sync.Mutex
	pending []secret
	fn      func(kind uint32, data []byte)
}

type secret struct {
	kind uint32
	data []byte
}

// OnSecrets sets the function given each block's secrets: its secrets
// type (SecretsTLSKeyLog) and its data.
func (s *Secrets) OnSecrets(fn func(kind uint32, data []byte)) {
	s.mu.Lock()
	pending := s.pending
	s.pending, s.fn = nil, fn
	s.mu.Unlock()
	for _, p := range pending {
		fn(p.kind, p.data)
	}
}

func (s *Secrets) add(kind uint32, data []byte) {
	s.mu.Lock()
	fn := s.fn
	if fn == nil {
		s.pending = append(s.pending, secret{kind, data})
	}
	s.mu.Unlock()
	if fn != nil {
		fn(kind, data)
	}
}

// blockWatcher passes a pcapng stream through unchanged, following its
// block structure to keep the body of every Decryption Secrets Block.
// It does not judge the blocks: the pcapng reader behind it does.
type blockWatcher struct {
	r       io.Reader
	out     *Secrets
	order   binary.ByteOrder
	hdr     [12]byte // block type, total length, and for an SHB its byte-order magic
	hdrLen  int
	left    int    // bytes of the current block after its header still to pass
	keep    []byte // the current DSB's bytes after its header
	keeping bool
	broken  bool // the structure no longer makes sense: watch no more
}

func (w *blockWatcher) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.watch(p[:n])
	return n, err
}

// watch follows the blocks across the bytes b.
func (w *blockWatcher) watch(b []byte) {
	for len(b) > 0 && !w.broken {
		if w.left == 0 {
			c := copy(w.hdr[w.hdrLen:], b)
			w.hdrLen += c
			b = b[c:]
			if w.hdrLen < len(w.hdr) {
				return
			}
			w.hdrLen = 0
			if binary.LittleEndian.Uint32(w.hdr[:4]) == 0x0a0d0d0a { // a section header: its byte order
				switch binary.LittleEndian.Uint32(w.hdr[8:]) {
				case 0x1a2b3c4d:
					w.order = binary.LittleEndian
				case 0x4d3c2b1a:
					w.order = binary.BigEndian
				default:
					w.broken = true
					return
				}
			}
			if w.order == nil {
				w.broken = true
				return
			}
			total := int(w.order.Uint32(w.hdr[4:8]))
			if total < 12 || total%4 != 0 {
				w.broken = true
				return
			}
			w.left = total - 12
			w.keeping = w.order.Uint32(w.hdr[:4]) == 0x0000000a && total <= maxSecretsBlock
			w.keep = w.keep[:0]
			if w.keeping {
				w.keep = append(w.keep, w.hdr[8:]...) // the secrets type
			}
			if w.left == 0 {
				w.done()
			}
			continue
		}
		c := min(w.left, len(b))
		if w.keeping {
			w.keep = append(w.keep, b[:c]...)
		}
		w.left -= c
		b = b[c:]
		if w.left == 0 {
			w.done()
		}
	}
}

// done ends a block: a Decryption Secrets Block's secrets are handed out.
func (w *blockWatcher) done() {
	if !w.keeping || len(w.keep) < 8 {
		return
	}
	kind, n := w.order.Uint32(w.keep[:4]), int(w.order.Uint32(w.keep[4:8]))
	if n <= len(w.keep)-8 {
		w.out.add(kind, append([]byte(nil), w.keep[8:8+n]...))
	}
	w.keeping = false
}
