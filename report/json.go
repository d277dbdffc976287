package report

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// jsonDocument is the single document the JSON format prints.
type jsonDocument struct {
	Hosts       []Host            `json:"hosts"`
	Connections []classify.Record `json:"connections"`
	Stats       Stats             `json:"stats"`
}

// jsonRenderer prints one indented JSON document in Finish. It keeps each
// record as its compact JSON (a third of a Record's memory, which matters
// on a capture of a million connections) with what it is sorted by.
type jsonRenderer struct {
	w       io.Writer
	agg     *Aggregator
	arena   [][]byte // compact records, in chunks of jsonChunk bytes
	index   []jsonRec
	scratch []byte // the record being encoded
	done    bool
}

// jsonRec locates one kept record in the arena.
type jsonRec struct {
	start      time.Time
	id         uint64
	chunk, off int
	n          int
}

// jsonChunk is the size of the arena's chunks.
const jsonChunk = 1 << 20

// Connection counts r for its host and keeps its JSON.
func (j *jsonRenderer) Connection(r *classify.Record) error {
	if j.done {
		return errFinished
	}
	n := normalizeRecord(r)
	j.scratch = appendRecordJSON(j.scratch[:0], &n)
	k := len(j.arena) - 1
	if k < 0 || cap(j.arena[k])-len(j.arena[k]) < len(j.scratch) {
		j.arena = append(j.arena, make([]byte, 0, max(jsonChunk, len(j.scratch))))
		k++
	}
	at := len(j.arena[k])
	j.arena[k] = append(j.arena[k], j.scratch...)
	j.index = append(j.index, jsonRec{start: n.Start, id: n.ID, chunk: k, off: at, n: len(j.scratch)})
	j.agg.Add(r)
	return nil
}

// Finish writes the document: hosts by address, connections by start time
// and ID, and stats. It writes what encoding/json's indented encoding of
// jsonDocument gives (TestJSONDocumentMatchesEncodingJSON), but one
// element at a time, so that a million records are not encoded into one
// buffer first.
func (j *jsonRenderer) Finish(stats *Stats) error {
	if j.done {
		return errFinished
	}
	j.done = true
	slices.SortStableFunc(j.index, func(a, b jsonRec) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	bw := bufio.NewWriterSize(j.w, 64<<10)
	var ind, enc bytes.Buffer
	encoder := newJSONEncoder(&enc)
	// element writes one array element, indented at the second level.
	element := func(first bool, raw []byte) error {
		if !first {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		ind.Reset()
		if err := json.Indent(&ind, bytes.TrimRight(raw, "\n"), "    ", "  "); err != nil {
			return err
		}
		_, err := bw.Write(ind.Bytes())
		return err
	}
	// marshal encodes v compactly as the document's encoder would.
	marshal := func(v any) ([]byte, error) {
		enc.Reset()
		err := encoder.Encode(v)
		return enc.Bytes(), err
	}
	bw.WriteString("{\n  \"hosts\": [")
	hosts := j.agg.Hosts()
	for i := range hosts {
		raw, err := marshal(&hosts[i])
		if err == nil {
			err = element(i == 0, raw)
		}
		if err != nil {
			return err
		}
	}
	closeArray(bw, len(hosts))
	bw.WriteString(",\n  \"connections\": [")
	for i, x := range j.index {
		if err := element(i == 0, j.arena[x.chunk][x.off:x.off+x.n]); err != nil {
			return err
		}
	}
	closeArray(bw, len(j.index))
	st := stats.normalized()
	raw, err := marshal(&st)
	if err != nil {
		return err
	}
	ind.Reset()
	if err := json.Indent(&ind, bytes.TrimRight(raw, "\n"), "  ", "  "); err != nil {
		return err
	}
	bw.WriteString(",\n  \"stats\": ")
	bw.Write(ind.Bytes())
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// closeArray ends a JSON array of n elements as encoding/json's indented
// form does: "[]" when empty.
func closeArray(bw *bufio.Writer, n int) {
	if n == 0 {
		bw.WriteString("]")
		return
	}
	bw.WriteString("\n  ]")
}

// jsonlRenderer prints one JSON record per line, as connections arrive.
type jsonlRenderer struct {
	w    io.Writer
	buf  []byte // the line being written, reused
	done bool
}

// Connection writes r as one line of JSON, in a single Write.
func (j *jsonlRenderer) Connection(r *classify.Record) error {
	j.buf = j.EncodeRecord(j.buf[:0], r)
	return j.WriteEncoded(j.buf)
}

// EncodeRecord implements RecordEncoder: r as one line of JSON.
func (j *jsonlRenderer) EncodeRecord(dst []byte, r *classify.Record) []byte {
	if isNormal(r) {
		return appendRecordJSON(dst, r) // no copy of the 432-byte record
	}
	n := normalizeRecord(r)
	return appendRecordJSON(dst, &n)
}

// WriteEncoded implements RecordEncoder, in a single Write.
func (j *jsonlRenderer) WriteEncoded(b []byte) error {
	if j.done {
		return errFinished
	}
	_, err := j.w.Write(b)
	return err
}

// Finish writes nothing: statistics are not a connection record.
func (j *jsonlRenderer) Finish(*Stats) error {
	if j.done {
		return errFinished
	}
	j.done = true
	return nil
}

// newJSONEncoder returns an encoder that leaves <, > and & as they are, so
// that commands like "<DATA>" and addresses like "<a@example.org>" stay
// readable.
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
