package tlsdecrypt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// capturesDir holds the recorded captures, with their key logs.
const capturesDir = "../../testdata/captures"

// chunk is a piece of one direction's byte stream, in the order the
// pieces came (TCP payload after reassembly, or one Write).
type chunk struct {
	dir  Direction
	data []byte
}

// wireRecord is one whole TLS record and the side that sent it.
type wireRecord struct {
	dir Direction
	rec []byte
}

// packetSource reads the frames of a pcap or pcapng file.
type packetSource interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// readFile returns a testdata file's bytes.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// captureChunks reassembles the one TCP connection of a capture into the
// payload pieces of each direction, in capture order. The client is the
// side that sent the SYN.
func captureChunks(t testing.TB, path string) []chunk {
	t.Helper()
	raw := readFile(t, path)
	var src packetSource
	var err error
	if len(raw) >= 4 && binary.LittleEndian.Uint32(raw) == 0x0a0d0d0a {
		src, err = pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
	} else {
		src, err = pcapgo.NewReader(bytes.NewReader(raw))
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	type side struct {
		next    uint32
		started bool
		held    map[uint32][]byte // segments ahead of next, by sequence number
	}
	var client gopacket.Endpoint
	var haveClient bool
	var sides [2]side
	var out []chunk
	for {
		data, _, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		pkt := gopacket.NewPacket(data, src.LinkType(), gopacket.Default)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil || pkt.NetworkLayer() == nil {
			continue
		}
		srcEnd := pkt.NetworkLayer().NetworkFlow().Src()
		if tcp.SYN && !tcp.ACK && !haveClient {
			client, haveClient = srcEnd, true
		}
		if !haveClient {
			t.Fatalf("%s: data before the client's SYN", path)
		}
		dir := FromServer
		if srcEnd == client {
			dir = FromClient
		}
		s := &sides[dir]
		if tcp.SYN {
			s.next, s.started, s.held = tcp.Seq+1, true, map[uint32][]byte{}
			continue
		}
		if !s.started || len(tcp.Payload) == 0 {
			continue
		}
		s.held[tcp.Seq] = append([]byte(nil), tcp.Payload...)
		for {
			// Take the held segment that starts earliest at or before
			// next; stop when none does.
			var best uint32
			found := false
			for seq := range s.held {
				if int32(seq-s.next) <= 0 && (!found || int32(seq-best) < 0) {
					best, found = seq, true
				}
			}
			if !found {
				break
			}
			p := s.held[best]
			delete(s.held, best)
			if skip := int(s.next - best); skip < len(p) {
				out = append(out, chunk{dir, p[skip:]})
				s.next += uint32(len(p) - skip)
			}
		}
	}
	return out
}

// tlsStart finds where TLS starts in a stream that may begin with SMTP
// (STARTTLS): the first handshake record, at a line start, that holds a
// hello of type hello.
func tlsStart(stream []byte, hello byte) int {
	for i := 0; i+5 < len(stream); i++ {
		if stream[i] == typeHandshake && stream[i+1] == 3 && stream[i+5] == hello && (i == 0 || stream[i-1] == '\n') {
			return i
		}
	}
	return -1
}

// splitRecords cuts the chunks' streams into TLS records from where TLS
// starts in each, and orders them as they were completed on the wire. A
// trailing partial record is dropped.
func splitRecords(t testing.TB, chunks []chunk) []wireRecord {
	t.Helper()
	var streams [2][]byte
	var ends [2][]int // stream length after each chunk, and its chunk index
	var idx [2][]int
	for i, c := range chunks {
		streams[c.dir] = append(streams[c.dir], c.data...)
		ends[c.dir] = append(ends[c.dir], len(streams[c.dir]))
		idx[c.dir] = append(idx[c.dir], i)
	}
	type ordered struct {
		wireRecord
		at int
	}
	var all []ordered
	for dir := range streams {
		hello := byte(typeClientHello)
		if Direction(dir) == FromServer {
			hello = typeServerHello
		}
		s := streams[dir]
		off := tlsStart(s, hello)
		if off < 0 {
			continue
		}
		for off+recordHeaderLen <= len(s) {
			n := recordHeaderLen + int(binary.BigEndian.Uint16(s[off+3:]))
			if off+n > len(s) {
				break
			}
			end := off + n
			k := sort.SearchInts(ends[dir], end)
			all = append(all, ordered{wireRecord{Direction(dir), s[off:end:end]}, idx[dir][k]})
			off = end
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
	recs := make([]wireRecord, len(all))
	for i, o := range all {
		recs[i] = o.wireRecord
	}
	return recs
}

// captureRecords returns a capture's TLS records in wire order.
func captureRecords(t testing.TB, name string) []wireRecord {
	t.Helper()
	recs := splitRecords(t, captureChunks(t, filepath.Join(capturesDir, name)))
	if len(recs) == 0 {
		t.Fatalf("%s: no TLS records", name)
	}
	return recs
}

// decryptionSecrets returns the TLS key log text of a pcapng file's
// Decryption Secrets Blocks (block type 0x0000000A, secrets type
// 0x544c534b "TLSK"). It reads little- and big-endian sections.
func decryptionSecrets(t testing.TB, raw []byte) []byte {
	t.Helper()
	const (
		blockSHB = 0x0a0d0d0a
		blockDSB = 0x0000000a
		magic    = 0x1a2b3c4d
		tlsKeys  = 0x544c534b
	)
	var order binary.ByteOrder = binary.LittleEndian
	var text []byte
	for len(raw) >= 12 {
		typ := order.Uint32(raw)
		if binary.LittleEndian.Uint32(raw) == blockSHB {
			typ = blockSHB
			if binary.BigEndian.Uint32(raw[8:]) == magic {
				order = binary.BigEndian
			} else {
				order = binary.LittleEndian
			}
		}
		n := int(order.Uint32(raw[4:]))
		if n < 12 || n > len(raw) || n%4 != 0 {
			t.Fatalf("pcapng block of %d bytes", n)
		}
		body := raw[8 : n-4]
		if typ == blockDSB && len(body) >= 8 && order.Uint32(body) == tlsKeys {
			size := int(order.Uint32(body[4:]))
			if size > len(body)-8 {
				t.Fatalf("secrets of %d bytes in a %d-byte block", size, len(body))
			}
			text = append(text, body[8:8+size]...)
		}
		raw = raw[n:]
	}
	return text
}

// keysFor returns the key log of a capture: its .keys file, or the
// secrets embedded in a pcapng.
func keysFor(t testing.TB, name string) *KeyLog {
	t.Helper()
	var text []byte
	if strings.HasSuffix(name, ".pcapng") {
		text = decryptionSecrets(t, readFile(t, filepath.Join(capturesDir, name)))
	} else {
		text = readFile(t, filepath.Join(capturesDir, strings.TrimSuffix(name, ".pcap")+".keys"))
	}
	kl := NewKeyLog()
	if n, err := kl.Read(bytes.NewReader(text)); err != nil || n == 0 {
		t.Fatalf("%s: key log: %d secrets, %v", name, n, err)
	}
	return kl
}

// transcript is what feeding a connection's records to a Conn gave.
type transcript struct {
	app        [2][]byte     // decrypted application data of each direction
	alerts     [2][]byte     // description of each decrypted alert
	hsTypes    [2][]byte     // types of the decrypted handshake messages (records starting a message)
	decrypted  int           // records decrypted
	errs       []error       // errors Record returned
	firstError map[int]error // record index of each error
	results    []Result      // every result, Plaintext copied
	records    []wireRecord  // the records fed
	byType     map[uint8]int // decrypted records by content type
}

// feed gives recs to c and gathers what came out.
func feed(c *Conn, recs []wireRecord) transcript {
	tr := transcript{firstError: map[int]error{}, byType: map[uint8]int{}, records: recs}
	for i, r := range recs {
		res, err := c.Record(r.dir, r.rec)
		if err != nil {
			tr.errs = append(tr.errs, err)
			tr.firstError[i] = err
		}
		res.Plaintext = append([]byte(nil), res.Plaintext...)
		tr.results = append(tr.results, res)
		if !res.Decrypted {
			continue
		}
		tr.decrypted++
		tr.byType[res.ContentType]++
		switch res.ContentType {
		case typeApplicationData:
			tr.app[r.dir] = append(tr.app[r.dir], res.Plaintext...)
		case typeAlert:
			if len(res.Plaintext) == 2 {
				tr.alerts[r.dir] = append(tr.alerts[r.dir], res.Plaintext[1])
			}
		case typeHandshake:
			// Post-handshake messages do not span records here.
			for p := res.Plaintext; len(p) >= 4; {
				tr.hsTypes[r.dir] = append(tr.hsTypes[r.dir], p[0])
				n := 4 + (int(p[1])<<16 | int(p[2])<<8 | int(p[3]))
				if n > len(p) {
					break
				}
				p = p[n:]
			}
		}
	}
	return tr
}
