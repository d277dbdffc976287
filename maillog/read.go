package maillog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// Options say what syslog lines leave out.
type Options struct {
	// Year is the year of lines that carry none (syslog's); 0: the year
	// of the packets a session is joined to (a log from December read
	// with a January capture is put in the year before).
	Year int
	// Location is the time zone of lines that carry none (syslog's, the
	// ESA's); nil is UTC.
	Location *time.Location
}

// Log is the sessions of one or more log files (a rotated set, in any
// order, gzip-compressed or not), and what was read of them.
type Log struct {
	opts     Options
	sessions []*Session
	// Files, Lines, Used and Unparsed count what was read: lines that
	// belonged to a session, and lines that are neither syslog nor ESA
	// lines (other programs' syslog lines count in neither).
	Files, Lines, Used, Unparsed int
	postfix                      *postfixReader
	esa                          *esaReader
	exim                         *eximReader
	resolved                     bool
}

// New returns an empty Log.
func New(opts Options) *Log {
	l := &Log{opts: opts}
	l.postfix = newPostfixReader(l)
	l.esa = newESAReader(l)
	l.exim = newEximReader(l)
	return l
}

// linePos is a line's place in the log, made into "file:line" only for
// the lines a session keeps.
type linePos struct {
	file string
	n    int
}

func (p linePos) String() string { return p.file + ":" + strconv.Itoa(p.n) }

// maxLine bounds a log line; longer ones are counted as not understood.
const maxLine = 64 << 10

// Read adds the sessions of one file, named name in the sessions' Where;
// gzip-compressed content is recognised. Sessions still open at the end of
// the file stay open for the next file of a rotated set (Finish closes
// them). The error is a read error, wrapped; lines never are.
func (l *Log) Read(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	l.Files++
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for n := 1; sc.Scan(); n++ {
		l.Lines++
		l.line(linePos{name, n}, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// line reads one line.
func (l *Log) line(where linePos, line string) {
	if st, rest, ok := esaStamp(line); ok {
		if lvl, msg, ok := strings.Cut(rest, ": "); ok && (lvl == "Info" || lvl == "Warning" || lvl == "Critical" || lvl == "Debug" || lvl == "Trace") {
			if l.esa.line(where, st, msg) {
				l.Used++
			}
			return
		}
	}
	if st, msg, ok := eximStamp(line); ok {
		if l.exim.line(where, st, msg) {
			l.Used++
		}
		return
	}
	st, rest, ok := syslogStamp(line)
	if !ok {
		if strings.TrimSpace(line) != "" {
			l.Unparsed++
		}
		return
	}
	// "host program[pid]: message"
	_, rest, ok = strings.Cut(rest, " ")
	if !ok {
		l.Unparsed++
		return
	}
	prog, msg, ok := strings.Cut(rest, ": ")
	if !ok {
		return // another program's line without a message
	}
	if strings.HasPrefix(prog, "postfix") && l.postfix.line(where, st, prog, msg) {
		l.Used++
	}
}

// Finish closes the sessions still open and resolves nothing yet: times
// are resolved when the first connection is joined (Options.Year 0) or
// now.
func (l *Log) Finish() {
	l.postfix.finish()
	l.esa.finish()
	l.exim.finish()
	if l.opts.Year != 0 {
		l.resolve(l.opts.Year, 0)
	}
}

// add keeps a session.
func (l *Log) add(s *Session) { l.sessions = append(l.sessions, s) }

// end keeps the session s, open under key, as ended.
func (l *Log) end(open map[string]*Session, key string, s *Session) {
	l.add(s)
	delete(open, key)
}

// endAll keeps the sessions still open, in the order of their keys.
func (l *Log) endAll(open map[string]*Session) {
	for _, k := range slices.Sorted(maps.Keys(open)) {
		l.end(open, k, open[k])
	}
}

// resolve gives every session its times: syslog lines in year (or, with
// a reference month, the year that puts them nearest to it).
func (l *Log) resolve(year int, near time.Month) {
	loc := l.opts.Location
	if loc == nil {
		loc = time.UTC
	}
	yearOf := func(st stamp) int { // the year nearest the reference month
		y := year
		if near != 0 && st.year == 0 {
			switch d := int(st.month) - int(near); {
			case d > 6:
				y--
			case d < -6:
				y++
			}
		}
		return y
	}
	for _, s := range l.sessions {
		s.Start, s.End = s.start.resolve(yearOf(s.start), loc), s.end.resolve(yearOf(s.end), loc)
	}
	sort.SliceStable(l.sessions, func(i, j int) bool {
		a, b := l.sessions[i], l.sessions[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.Where < b.Where
	})
	l.resolved = true
}

// Sessions returns the sessions read, in order of their first line once
// their times are known.
func (l *Log) Sessions() []*Session { return l.sessions }

// record is the session as a record carries it.
func (s *Session) record() classify.LogSession {
	esc := func(s string) string { return classify.Escape([]byte(s)) } // log text is as untrusted as the wire's
	q := make([]string, len(s.QueueIDs))
	for i, id := range s.QueueIDs {
		q[i] = esc(id)
	}
	return classify.LogSession{Format: s.Format.String(), Where: esc(s.Where), ID: esc(s.ID), Start: s.Start.UTC(), Verdict: string(s.Verdict),
		Reply: esc(s.Reply), QueueIDs: q, SenderGroup: esc(s.SenderGroup), Policy: esc(s.Policy), TLS: s.TLS, Ended: s.Ended}
}

// ReadFiles reads the named log files as one set, oldest first whatever
// the order given (by the time of each file's first line, so that a
// session cut by a rotation goes on in the next file), and finishes the
// Log. The error names the file that could not be read.
func (l *Log) ReadFiles(names []string) error {
	type file struct {
		name  string
		first time.Time
	}
	files := make([]file, 0, len(names))
	for _, name := range names {
		first, err := firstStamp(name)
		if err != nil {
			return err
		}
		files = append(files, file{name, first})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].first.Before(files[j].first) })
	for _, f := range files {
		fh, err := os.Open(f.name)
		if err != nil {
			return err
		}
		err = l.Read(f.name, fh)
		fh.Close()
		if err != nil {
			return err
		}
	}
	l.Finish()
	return nil
}

// firstStamp returns the time of the first dated line of a log file, in
// a year of its own (only to order the files of one set).
func firstStamp(name string) (time.Time, error) {
	fh, err := os.Open(name)
	if err != nil {
		return time.Time{}, err
	}
	defer fh.Close()
	br := bufio.NewReader(fh)
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for n := 0; sc.Scan() && n < 1000; n++ {
		if st, _, ok := esaStamp(sc.Text()); ok {
			return st.resolve(2000, time.UTC), nil
		}
		if st, _, ok := syslogStamp(sc.Text()); ok {
			return st.resolve(2000, time.UTC), nil
		}
		if st, _, ok := eximStamp(sc.Text()); ok {
			return st.resolve(2000, time.UTC), nil
		}
	}
	return time.Time{}, nil
}
