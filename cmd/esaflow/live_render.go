package main

import (
	"io"
	"strings"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/report"
)

// defaultFilter builds "tcp and (port 25 or portrange 10000-10010 ...)"
// from a --ports list.
func defaultFilter(ports string) string {
	var parts []string
	for _, f := range strings.Split(ports, ",") {
		f = strings.TrimSpace(f)
		if lo, hi, ok := strings.Cut(f, "-"); ok {
			parts = append(parts, "portrange "+strings.TrimSpace(lo)+"-"+strings.TrimSpace(hi))
		} else if f != "" {
			parts = append(parts, "port "+f)
		}
	}
	return "tcp and (" + strings.Join(parts, " or ") + ")"
}

// liveRenderer prints each connection the moment it is decided (a JSON
// line, or a row of the per-connection table and a count for the per-host
// table printed at the end).
type liveRenderer struct {
	w       io.Writer
	jsonl   report.Renderer       // set for --format jsonl
	rows    *report.FlowRowWriter // set for --format table
	hosts   report.Renderer       // set for --format table
	decided int
}

// newLiveRenderer returns the renderer of one live run writing to w.
func newLiveRenderer(w io.Writer, jsonl bool, group report.GroupBy) *liveRenderer {
	l := &liveRenderer{w: w}
	if jsonl {
		l.jsonl = report.New(w, report.Options{Format: report.FormatJSONL})
	} else {
		// The per-host table keeps a row per host, as many as
		// analyze's --max-hosts default: a capture running for days
		// meets ever new hosts.
		l.hosts = report.New(w, report.Options{Format: report.FormatTable, GroupBy: group, MaxHosts: report.DefaultMaxHosts})
		l.rows = report.NewFlowRowWriter(w)
	}
	return l
}

// start prints what comes before the first connection: the table's header.
func (l *liveRenderer) start() error {
	if l.rows != nil {
		return l.rows.Header()
	}
	return nil
}

// Connection prints r at once and counts it for its host.
func (l *liveRenderer) Connection(r *classify.Record) error {
	l.decided++
	if l.jsonl != nil {
		return l.jsonl.Connection(r) // nothing kept: JSON Lines has no host table
	}
	if err := l.hosts.Connection(r); err != nil {
		return err
	}
	return l.rows.Row(r)
}

// Finish prints the per-host table and totals (table format only: JSON
// Lines output holds connection records and nothing else).
func (l *liveRenderer) Finish(st *report.Stats) error {
	if l.jsonl != nil {
		return l.jsonl.Finish(st)
	}
	if _, err := io.WriteString(l.w, "\n"); err != nil {
		return err
	}
	return l.hosts.Finish(st)
}
