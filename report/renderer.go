package report

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// Options selects what a Renderer prints.
type Options struct {
	Format  Format
	GroupBy GroupBy
	// Flows makes the table format also print the per-connection table.
	Flows bool
	// MaxHosts bounds the hosts the table and JSON formats keep apart
	// (see NewBoundedAggregator); 0 keeps every one.
	MaxHosts int
	// Wide makes the tables show every column (times, history, who
	// closed, TLS); by default they show those that fit a terminal.
	Wide bool
	// Width, when positive, is the most columns a table line may take (a
	// terminal's width): the text columns (detail, banner, reason, flags)
	// are cut with "…" until the table fits. 0: no limit (a pipe, a file).
	Width int
	// Location is the time zone of the tables' times, named in their
	// headers; nil is UTC. Other formats always write UTC.
	Location *time.Location
}

// DefaultMaxHosts is the bound on hosts esaflow analyze keeps apart.
const DefaultMaxHosts = 100000

// Renderer receives each connection as it is decided, then Finish once at
// the end.
//
// The *Record passed to Connection may be reused by the caller after the
// call returns; a Renderer copies what it keeps. After Finish, a Renderer
// accepts no more calls.
type Renderer interface {
	Connection(r *classify.Record) error
	Finish(stats *Stats) error
}

// RecordEncoder is a Renderer whose output for a connection depends on
// that connection's Record alone (JSON Lines), so that it can be made
// ahead, on other goroutines.
//
// EncodeRecord appends to dst exactly the bytes Connection would write
// for r; it touches no state of the Renderer and may be called from any
// goroutine, concurrently. WriteEncoded writes bytes so made, in the order
// the connections were decided, and stands for that connection's
// Connection call (the caller keeps b).
type RecordEncoder interface {
	Renderer
	EncodeRecord(dst []byte, r *classify.Record) []byte
	WriteEncoded(b []byte) error
}

// errFinished is returned by a Renderer used after Finish.
var errFinished = errors.New("report: renderer already finished")

// New returns a Renderer that writes the format opts.Format to w. Only JSON
// Lines writes during Connection; every other format writes everything in
// Finish. A Renderer for an unknown format fails on every call.
func New(w io.Writer, opts Options) Renderer {
	switch opts.Format {
	case FormatTable:
		return &tableRenderer{w: w, flows: opts.Flows, maxRows: maxFlowRows, agg: NewBoundedAggregator(opts.GroupBy, opts.MaxHosts),
			layout: tableLayout{wide: opts.Wide, width: opts.Width, loc: opts.Location}}
	case FormatJSON:
		return &jsonRenderer{w: w, agg: NewBoundedAggregator(opts.GroupBy, opts.MaxHosts)}
	case FormatJSONL:
		return &jsonlRenderer{w: w}
	case FormatCSV:
		return &csvRenderer{w: w}
	case FormatTransactions:
		return &transactionsRenderer{jsonlRenderer{w: w}}
	}
	return badRenderer{err: fmt.Errorf("report: unknown format %v", opts.Format)}
}

// badRenderer is the Renderer for an unknown format.
type badRenderer struct{ err error }

// Connection returns the renderer's error.
func (b badRenderer) Connection(*classify.Record) error { return b.err }

// Finish returns the renderer's error.
func (b badRenderer) Finish(*Stats) error { return b.err }

// collector keeps normalized copies of the records a buffered format prints
// in Finish, and guards against use after Finish.
type collector struct {
	recs []classify.Record
	done bool
}

// add keeps a normalized copy of r, sharing no memory with it.
func (c *collector) add(r *classify.Record) error {
	if c.done {
		return errFinished
	}
	own := r.Clone()
	c.recs = append(c.recs, normalizeRecord(&own))
	return nil
}

// finish marks the collector done and returns its records sorted by start
// time and ID.
func (c *collector) finish() ([]classify.Record, error) {
	if c.done {
		return nil, errFinished
	}
	c.done = true
	sortRecords(c.recs)
	return c.recs, nil
}
