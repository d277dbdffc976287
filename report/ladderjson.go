package report

import (
	"fmt"
	"io"
)

// LadderWriter writes ladders as JSON, the machine-readable form of
// "esaflow show": per connection its record (the contract of analyze's
// JSON, $defs/record in docs/esaflow.schema.json) and its packets in
// capture order, each with its time, its sender, its TCP flags, what it
// carries (the label the drawing shows, escaped as there) and whether it
// is a retransmission. With lines set, each ladder is one line
// ({"connection":…,"packets":[…]}); else the ladders are one document
// ({"schema":1,"ladders":[…]}), which Close ends.
//
// Lifecycle: Write for each ladder, then Close once; the writer keeps
// nothing of a ladder after Write returns.
type LadderWriter struct {
	w     io.Writer
	lines bool
	n     int
	buf   []byte
}

// NewLadderWriter returns a LadderWriter writing to w, JSON Lines when
// lines is set.
func NewLadderWriter(w io.Writer, lines bool) *LadderWriter {
	return &LadderWriter{w: w, lines: lines}
}

// Write writes one ladder.
func (lw *LadderWriter) Write(l *Ladder) error {
	b := lw.buf[:0]
	if !lw.lines {
		if lw.n == 0 {
			b = fmt.Appendf(b, "{\"schema\":%d,\"ladders\":[\n", SchemaVersion)
		} else {
			b = append(b, ",\n"...)
		}
	}
	b = append(b, `{"connection":`...)
	rec := l.Record
	if !isNormal(rec) {
		n := normalizeRecord(rec)
		rec = &n
	}
	b = appendRecordJSON(b, rec)
	b = b[:len(b)-1] // appendRecordJSON ends the record with a newline
	b = append(b, `,"packets":[`...)
	var tc timeCache
	for i := range l.Packets {
		p := &l.Packets[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKeyTime(b, `{"ts":"`, p.Time.UTC(), &tc)
		from := "server"
		if p.FromClient {
			from = "client"
		}
		b = appendKeyString(b, `,"from":`, from)
		b = appendKeyString(b, `,"flags":`, p.Flags)
		b = appendKeyString(b, `,"content":`, p.Content)
		b = appendKeyBool(b, `,"retransmission":`, p.Retransmission)
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	if lw.lines {
		b = append(b, '\n')
	}
	lw.buf = b
	lw.n++
	if _, err := lw.w.Write(b); err != nil {
		return fmt.Errorf("writing a ladder: %w", err)
	}
	return nil
}

// Close ends the document (JSON; for JSON Lines it writes nothing).
func (lw *LadderWriter) Close() error {
	if lw.lines {
		return nil
	}
	end := "\n]}\n"
	if lw.n == 0 {
		end = fmt.Sprintf("{\"schema\":%d,\"ladders\":[]}\n", SchemaVersion)
	}
	if _, err := io.WriteString(lw.w, end); err != nil {
		return fmt.Errorf("writing a ladder: %w", err)
	}
	return nil
}
