package report

import (
	"encoding/json"
	"io"

	"github.com/esaflow/esaflow/classify"
)

// jsonDocument is the single document the JSON format prints.
type jsonDocument struct {
	Hosts       []Host            `json:"hosts"`
	Connections []classify.Record `json:"connections"`
	Stats       Stats             `json:"stats"`
}

// jsonRenderer prints one indented JSON document in Finish.
type jsonRenderer struct {
	w     io.Writer
	agg   *Aggregator
	conns collector
}

// Connection counts r for its host and keeps a copy of it.
func (j *jsonRenderer) Connection(r *classify.Record) error {
	if err := j.conns.add(r); err != nil {
		return err
	}
	j.agg.Add(r)
	return nil
}

// Finish writes the document: hosts by address, connections by start time
// and ID, and stats.
func (j *jsonRenderer) Finish(stats *Stats) error {
	recs, err := j.conns.finish()
	if err != nil {
		return err
	}
	enc := newJSONEncoder(j.w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonDocument{
		Hosts:       j.agg.Hosts(),
		Connections: nonNil(recs),
		Stats:       stats.normalized(),
	})
}

// jsonlRenderer prints one JSON record per line, as connections arrive.
type jsonlRenderer struct {
	w    io.Writer
	buf  []byte // the line being written, reused
	done bool
}

// Connection writes r as one line of JSON, in a single Write.
func (j *jsonlRenderer) Connection(r *classify.Record) error {
	if j.done {
		return errFinished
	}
	n := normalizeRecord(r)
	j.buf = appendRecordJSON(j.buf[:0], &n)
	_, err := j.w.Write(j.buf)
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
