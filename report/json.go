package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"github.com/esaflow/esaflow/classify"
)

// SchemaVersion is the version of the JSON output's contract
// (docs/esaflow.schema.json), the document's "schema" key: it changes when
// a key changes meaning or goes away, not when one is added.
const SchemaVersion = 1

// jsonDocument is the single document the JSON format prints: the
// connections first, written as they are decided, then the hosts and the
// statistics, known only at the end.
type jsonDocument struct {
	Schema      int               `json:"schema"`
	Connections []classify.Record `json:"connections"`
	Hosts       []Host            `json:"hosts"`
	Stats       Stats             `json:"stats"`
}

// jsonRenderer prints one indented JSON document, each connection as it
// is decided (memory follows the open connections and the hosts, not the
// connections decided), then the hosts and the statistics in Finish.
type jsonRenderer struct {
	w       io.Writer
	bw      *bufio.Writer
	agg     *Aggregator
	n       int          // connections written
	scratch []byte       // the record being encoded
	ind     bytes.Buffer // its indented form
	done    bool
}

// start writes the document's opening once.
func (j *jsonRenderer) start() {
	if j.bw == nil {
		j.bw = bufio.NewWriterSize(j.w, 64<<10)
		j.bw.WriteString("{\n  \"schema\": " + strconv.Itoa(SchemaVersion) + ",\n  \"connections\": [")
	}
}

// element writes one array element, indented at the second level, as
// encoding/json's indented form of jsonDocument does.
func (j *jsonRenderer) element(first bool, raw []byte) error {
	if !first {
		j.bw.WriteString(",")
	}
	j.bw.WriteString("\n    ")
	j.ind.Reset()
	if err := json.Indent(&j.ind, bytes.TrimRight(raw, "\n"), "    ", "  "); err != nil {
		return err
	}
	_, err := j.bw.Write(j.ind.Bytes())
	return err
}

// Connection writes r into the document and counts it for its host.
func (j *jsonRenderer) Connection(r *classify.Record) error {
	if j.done {
		return errFinished
	}
	j.start()
	if isNormal(r) {
		j.scratch = appendRecordJSON(j.scratch[:0], r)
	} else {
		n := normalizeRecord(r)
		j.scratch = appendRecordJSON(j.scratch[:0], &n)
	}
	if err := j.element(j.n == 0, j.scratch); err != nil {
		return err
	}
	j.n++
	j.agg.Add(r)
	return nil
}

// Finish ends the document with the hosts (by address) and the stats. It
// writes what encoding/json's indented encoding of jsonDocument gives
// (TestJSONDocumentMatchesEncodingJSON), one element at a time.
func (j *jsonRenderer) Finish(stats *Stats) error {
	if j.done {
		return errFinished
	}
	j.done = true
	j.start()
	var enc bytes.Buffer
	encoder := newJSONEncoder(&enc)
	// marshal encodes v compactly as the document's encoder would.
	marshal := func(v any) ([]byte, error) {
		enc.Reset()
		err := encoder.Encode(v)
		return enc.Bytes(), err
	}
	closeArray(j.bw, j.n)
	j.bw.WriteString(",\n  \"hosts\": [")
	hosts := j.agg.Hosts()
	for i := range hosts {
		raw, err := marshal(&hosts[i])
		if err == nil {
			err = j.element(i == 0, raw)
		}
		if err != nil {
			return err
		}
	}
	closeArray(j.bw, len(hosts))
	st := stats.normalized()
	raw, err := marshal(&st)
	if err != nil {
		return err
	}
	j.ind.Reset()
	if err := json.Indent(&j.ind, bytes.TrimRight(raw, "\n"), "  ", "  "); err != nil {
		return err
	}
	j.bw.WriteString(",\n  \"stats\": ")
	j.bw.Write(j.ind.Bytes())
	j.bw.WriteString("\n}\n")
	return j.bw.Flush()
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
