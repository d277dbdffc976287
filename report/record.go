package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// normalizeRecord returns a copy of *r fit for output: every time in UTC
// (so the output does not depend on the local time zone) and Replies and
// Flags never nil (so JSON shows [] rather than null). The caller's record and its
// Replies slice are not modified; the slice is shared unless a reply time
// had to change.
func normalizeRecord(r *classify.Record) classify.Record {
	c := *r
	c.Start = c.Start.UTC()
	c.End = c.End.UTC()
	if c.Replies == nil {
		c.Replies = []classify.Reply{}
	}
	if c.Flags == nil {
		c.Flags = []classify.Flag{}
	}
	if c.RcptTo == nil {
		c.RcptTo = []string{}
	}
	for i := range c.Replies {
		if c.Replies[i].Time.Location() == time.UTC {
			continue
		}
		replies := slices.Clone(c.Replies)
		for j := range replies {
			replies[j].Time = replies[j].Time.UTC()
		}
		c.Replies = replies
		break
	}
	return c
}

// isNormal reports whether normalizeRecord would return r unchanged, as
// it does for every record of a capture (times in UTC).
func isNormal(r *classify.Record) bool {
	if r.Replies == nil || r.Flags == nil || r.RcptTo == nil || r.Start.Location() != time.UTC || r.End.Location() != time.UTC {
		return false
	}
	for i := range r.Replies {
		if r.Replies[i].Time.Location() != time.UTC {
			return false
		}
	}
	return true
}

// sortRecords orders records by start time, then by ID, which is the order
// every buffered format prints them in.
func sortRecords(recs []classify.Record) {
	slices.SortStableFunc(recs, func(a, b classify.Record) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
