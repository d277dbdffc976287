package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// tableRenderer prints the per-host table and the totals, and with flows
// the per-connection table before them. It writes everything in Finish.
type tableRenderer struct {
	w      io.Writer
	flows  bool
	layout tableLayout
	agg    *Aggregator
	conns  collector // records for the per-connection table, if flows
	// maxRows is maxFlowRows (tests make it small); flowsLeft counts
	// the connections past it.
	maxRows, flowsLeft int
	done               bool
}

// maxFlowRows bounds the rows of the per-connection table, whose column
// widths need every row it prints: past it, connections are counted, not
// kept (the formats that stream, csv and jsonl, list them all).
const maxFlowRows = 100000

// Connection counts r for its host and, with flows, keeps a copy of it.
func (t *tableRenderer) Connection(r *classify.Record) error {
	if t.done {
		return errFinished
	}
	t.agg.Add(r)
	if t.flows {
		if len(t.conns.recs) >= t.maxRows {
			t.flowsLeft++
			return nil
		}
		return t.conns.add(r)
	}
	return nil
}

// Finish writes the tables and totals, then the warnings of stats.
func (t *tableRenderer) Finish(stats *Stats) error {
	if t.done {
		return errFinished
	}
	t.done = true
	st := stats.normalized()
	hosts := t.agg.Hosts()

	var b bytes.Buffer
	if t.flows {
		recs, err := t.conns.finish()
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			if err := t.layout.writeFlowTable(&b, recs); err != nil {
				return err
			}
			if t.flowsLeft > 0 {
				fmt.Fprintf(&b, "... and %d more connections, decided after these %d: --format csv or jsonl lists every one\n", t.flowsLeft, len(recs))
			}
			writeFlagEvidence(&b, recs)
			b.WriteByte('\n')
		}
	}
	if len(hosts) == 0 {
		b.WriteString("no connections\n")
	} else if err := t.layout.writeHostTable(&b, hosts); err != nil {
		return err
	}
	b.WriteByte('\n')
	writeTotals(&b, hosts, &st)
	_, err := t.w.Write(b.Bytes())
	return err
}

// hostColumns are the per-host table's columns.
var hostColumns = []column{
	{name: "HOST"}, {name: "CONNS"}, {name: "VERDICT"}, {name: "DETAIL", shrink: true},
	{name: "REASON", shrink: true}, {name: "FIRST", wide: true, time: true}, {name: "LAST", wide: true, time: true},
	{name: "FLAGS", shrink: true}, // last: a long list pads no other column
}

// writeHostTable writes the per-host table.
func (l tableLayout) writeHostTable(w io.Writer, hosts []Host) error {
	rows := make([][]string, len(hosts))
	for i, h := range hosts {
		name := h.Addr.String()
		if h.Other {
			name = "(more hosts)"
		}
		rows[i] = []string{
			name,
			strconv.Itoa(h.Connections),
			h.Verdict,
			hostDetail(h),
			shorten(h.Reason, reasonWidth),
			l.time(h.First),
			l.time(h.Last),
			joinCounts(h.Flags, noRank),
		}
	}
	return l.write(w, hostColumns, rows)
}

// flowTableColumns are the per-connection table's columns, in flowRow's
// order.
var flowTableColumns = []column{
	{name: "ID"}, {name: "START", wide: true, time: true}, {name: "CLIENT"}, {name: "SERVER"},
	{name: "VERDICT"}, {name: "OUTCOME"}, {name: "BANNER", shrink: true}, {name: "HISTORY", wide: true},
	{name: "CLOSED BY", wide: true}, {name: "TLS", wide: true}, {name: "REASON", shrink: true},
	{name: "FLAGS", shrink: true},
}

// writeFlowTable writes the per-connection table.
func (l tableLayout) writeFlowTable(w io.Writer, recs []classify.Record) error {
	rows := make([][]string, len(recs))
	for i := range recs {
		rows[i] = flowRow(&recs[i])
		rows[i][1] = l.time(recs[i].Start)
	}
	return l.write(w, flowTableColumns, rows)
}

// writeTotals writes one line per verdict that occurs, in classify's order,
// then a line of input counts, then each warning.
func writeTotals(b *bytes.Buffer, hosts []Host, st *Stats) {
	totals := make(map[string]int)
	for _, h := range hosts {
		for name, n := range h.Counts {
			totals[name] += n
		}
	}
	nameWidth, countWidth := 0, 0
	for name, n := range totals {
		nameWidth = max(nameWidth, len(name))
		countWidth = max(countWidth, len(strconv.Itoa(n)))
	}
	for _, v := range classify.Verdicts() {
		if n := totals[v.String()]; n > 0 {
			fmt.Fprintf(b, "%-*s  %*d\n", nameWidth, v.String(), countWidth, n)
		}
	}
	fmt.Fprintf(b, "packets %d, connections %d, malformed %d, ignored %d",
		st.Packets, st.Connections, st.Malformed, st.Ignored)
	if st.GaveUp > 0 {
		fmt.Fprintf(b, ", reassembly gave up %d bytes in %d connection(s)", st.GaveUp, st.GaveUpConns)
	}
	if st.Evicted > 0 {
		fmt.Fprintf(b, ", evicted %d", st.Evicted)
	}
	if st.FilteredOut > 0 {
		fmt.Fprintf(b, ", filtered out %d", st.FilteredOut)
	}
	b.WriteByte('\n')
	if m := st.MailLog; m != nil {
		fmt.Fprintf(b, "maillog: %d sessions in %d file(s), %d joined to connections, %d not on the wire, %d log_wire_mismatch, %d not_in_log, %d lines not understood\n",
			m.Sessions, m.Files, m.Joined, m.NotOnWire, m.Mismatches, m.NotInLog, m.Unparsed)
		for i, s := range m.NotOnWireSessions {
			if i == maxNotOnWireShown {
				fmt.Fprintf(b, "  … %d more not on the wire (the JSON lists them)\n", len(m.NotOnWireSessions)-i)
				break
			}
			fmt.Fprintf(b, "  not on the wire: %s %s %s at %s (%s) %s\n", s.Client, s.Format, s.ID, s.Start.Format(time.DateTime), s.Where, s.Verdict)
		}
	}
	for _, warn := range st.Warnings {
		fmt.Fprintf(b, "warning: %s\n", warn)
	}
	writeFlagLegend(b, hosts)
}

// maxNotOnWireShown bounds the log sessions not on the wire the table
// lists.
const maxNotOnWireShown = 10

// writeFlagEvidence lists, under the per-connection table, the evidence
// of each flag a connection carries, by connection ID.
func writeFlagEvidence(b *bytes.Buffer, recs []classify.Record) {
	header := false
	for i := range recs {
		for _, f := range recs[i].Flags {
			if !header {
				b.WriteString("\nflag evidence:\n")
				header = true
			}
			fmt.Fprintf(b, "  %d  %s: %s\n", recs[i].ID, f.Name, f.Evidence)
		}
	}
}

// writeFlagLegend explains, after the totals, each flag that occurs: how
// many connections carry it and what it means, with the usual remedy.
func writeFlagLegend(b *bytes.Buffer, hosts []Host) {
	counts := map[string]int{}
	for _, h := range hosts {
		for name, n := range h.Flags {
			counts[name] += n
		}
	}
	if len(counts) == 0 {
		return
	}
	b.WriteString("\nflags:\n")
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(b, "  %s (%d): %s\n", name, counts[name], classify.FlagHelp(classify.FlagName(name)))
	}
}

// flowRow is the per-connection table's row for r, shared by the table
// written at the end and the FlowRowWriter that writes rows as they come.
func flowRow(r *classify.Record) []string {
	return []string{
		strconv.FormatUint(r.ID, 10),
		formatTableTime(r.Start),
		formatEndpoint(r.Client, r.ClientPort),
		formatEndpoint(r.Server, r.ServerPort),
		r.Verdict.String(),
		r.Outcome.String(),
		formatBanner(r.BannerCode, r.Banner),
		r.History,
		r.ClosedBy,
		formatTLS(&r.TLS),
		shorten(r.Reason, reasonWidth),
		flagList(r.Flags),
	}
}
