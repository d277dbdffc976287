package report

import (
	"io"

	"github.com/esaflow/esaflow/classify"
)

// Live is the renderer of a live capture: each connection is printed the
// moment it is decided (a JSON line, or a row of the per-connection
// table), and the table format ends with the per-host table, whose hosts
// are bounded as analyze's (DefaultMaxHosts: a capture running for days
// meets ever new hosts). JSON Lines keeps nothing.
//
// Lifecycle: Start once, before the first connection (it prints the
// table's header), then Connection for each decided connection, then
// Finish once.
type Live struct {
	w       io.Writer
	jsonl   Renderer       // set for JSON Lines
	rows    *FlowRowWriter // set for the table
	hosts   Renderer       // set for the table
	decided int
}

// NewLive returns the renderer of one live run writing to w: JSON Lines
// when opts.Format is FormatJSONL (or FormatTransactions, a line per mail
// transaction), else the table, its rows and its hosts
// laid out by opts (GroupBy, Wide, Width, Location; MaxHosts is
// DefaultMaxHosts when zero, and Flows does not apply: every row is
// printed as it comes).
func NewLive(w io.Writer, opts Options) *Live {
	l := &Live{w: w}
	if opts.Format == FormatJSONL || opts.Format == FormatTransactions {
		l.jsonl = New(w, Options{Format: opts.Format})
		return l
	}
	opts.Format, opts.Flows = FormatTable, false
	if opts.MaxHosts == 0 {
		opts.MaxHosts = DefaultMaxHosts
	}
	l.hosts = New(w, opts)
	l.rows = NewFlowRowWriter(w, opts)
	return l
}

// Start prints what comes before the first connection: the table's header.
func (l *Live) Start() error {
	if l.rows != nil {
		return l.rows.Header()
	}
	return nil
}

// Decided returns the connections printed so far.
func (l *Live) Decided() int { return l.decided }

// Connection implements Renderer: r is printed at once and counted for
// its host.
func (l *Live) Connection(r *classify.Record) error {
	l.decided++
	if l.jsonl != nil {
		return l.jsonl.Connection(r)
	}
	if err := l.hosts.Connection(r); err != nil {
		return err
	}
	return l.rows.Row(r)
}

// Finish implements Renderer: the per-host table and totals (table format
// only: JSON Lines output holds connection records and nothing else).
func (l *Live) Finish(st *Stats) error {
	if l.jsonl != nil {
		return l.jsonl.Finish(st)
	}
	if _, err := io.WriteString(l.w, "\n"); err != nil {
		return err
	}
	return l.hosts.Finish(st)
}
