package report

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/esaflow/esaflow/classify"
)

// reusedArena hands out records built as a classification session builds
// them: every string a view into one byte arena, the replies and flags in
// lists, all reused for the next record (classify.Machine.Reset).
type reusedArena struct {
	bytes   []byte
	replies []classify.Reply
	flags   []classify.Flag
}

// str returns s copied into the arena.
func (a *reusedArena) str(s string) string {
	if s == "" {
		return ""
	}
	at := len(a.bytes)
	a.bytes = append(a.bytes, s...)
	return unsafe.String(&a.bytes[at], len(s))
}

// record returns r with its strings, replies and flags in the arena.
func (a *reusedArena) record(r classify.Record) classify.Record {
	a.bytes = make([]byte, 0, 1<<16) // one arena, never grown, so views stay put
	r.UID, r.CommunityID = a.str(r.UID), a.str(r.CommunityID)
	r.Banner, r.History, r.ConnState, r.ClosedBy = a.str(r.Banner), a.str(r.History), a.str(r.ConnState), a.str(r.ClosedBy)
	r.Reason, r.Explanation = a.str(r.Reason), a.str(r.Explanation)
	a.replies = a.replies[:0]
	for _, rp := range r.Replies {
		rp.Command, rp.Enhanced, rp.Text = a.str(rp.Command), a.str(rp.Enhanced), a.str(rp.Text)
		a.replies = append(a.replies, rp)
	}
	if r.Replies != nil {
		r.Replies = a.replies
	}
	if r.RcptTo != nil {
		rcpts := make([]string, len(r.RcptTo)) // (a session reuses these too; kept simple here)
		for i, s := range r.RcptTo {
			rcpts[i] = a.str(s)
		}
		r.RcptTo = rcpts
	}
	r.Helo, r.MailFrom = a.str(r.Helo), a.str(r.MailFrom)
	a.flags = a.flags[:0]
	for _, f := range r.Flags {
		a.flags = append(a.flags, classify.Flag{Name: classify.FlagName(a.str(string(f.Name))), Evidence: a.str(f.Evidence)})
	}
	if r.Flags != nil {
		r.Flags = a.flags
	}
	t := &r.TLS
	t.Result, t.Version, t.Cipher = a.str(t.Result), a.str(t.Version), a.str(t.Cipher)
	t.CertSubject, t.CertIssuer, t.Alert, t.AlertFrom = a.str(t.CertSubject), a.str(t.CertIssuer), a.str(t.Alert), a.str(t.AlertFrom)
	return r
}

// clobber overwrites everything the last record pointed to, as the next
// connection would.
func (a *reusedArena) clobber() {
	for i := range a.bytes {
		a.bytes[i] = 'X'
	}
	for i := range a.replies[:cap(a.replies)] {
		a.replies[:cap(a.replies)][i] = classify.Reply{Command: "CLOBBERED", Code: 999, Text: "clobbered"}
	}
	for i := range a.flags[:cap(a.flags)] {
		a.flags[:cap(a.flags)][i] = classify.Flag{Name: "clobbered", Evidence: "clobbered"}
	}
}

// TestRenderersCopyWhatTheyKeep holds every renderer to its contract: a
// record's strings and lists die when Connection returns (the session
// that made them is reused), so whatever a renderer keeps for later — a
// host's reasons and flags, a row of the flows table, a CSV or JSON line
// written at the end — must be its own copy. Each record here lives in
// one arena that is overwritten after the call; the output must be the
// golden one all the same.
func TestRenderersCopyWhatTheyKeep(t *testing.T) {
	if *update {
		t.Skip("-update")
	}
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			r := New(&b, tc.opts)
			var a reusedArena
			for _, rec := range fixtureRecords() {
				kept := a.record(rec)
				if err := r.Connection(&kept); err != nil {
					t.Fatal(err)
				}
				a.clobber()
				kept = classify.Record{ID: 999, Banner: "clobbered"}
			}
			if err := r.Finish(fixtureStats()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.file, b.Bytes())
		})
	}
}
