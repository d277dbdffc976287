package report

import (
	"net/netip"
	"slices"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// Filter selects connections by what was decided about them. A zero field
// selects everything; the fields together select the connections that pass
// every one of them.
type Filter struct {
	Verdicts []classify.Verdict // one of these verdicts
	Outcomes []classify.Outcome // an ACCEPT with one of these outcomes
	Clients  []netip.Prefix     // from one of these networks
	Servers  []netip.Prefix     // to one of these networks
	Since    time.Time          // started at or after
	Until    time.Time          // started before
}

// Active tells whether f selects anything less than everything.
func (f *Filter) Active() bool {
	return len(f.Verdicts)+len(f.Outcomes)+len(f.Clients)+len(f.Servers) > 0 || !f.Since.IsZero() || !f.Until.IsZero()
}

// Keep tells whether r passes the filter.
func (f *Filter) Keep(r *classify.Record) bool {
	switch {
	case len(f.Verdicts) > 0 && !slices.Contains(f.Verdicts, r.Verdict):
		return false
	case len(f.Outcomes) > 0 && (r.Verdict != classify.VerdictAccept || !slices.Contains(f.Outcomes, r.Outcome)):
		return false
	case len(f.Clients) > 0 && !inAny(f.Clients, r.Client):
		return false
	case len(f.Servers) > 0 && !inAny(f.Servers, r.Server):
		return false
	case !f.Since.IsZero() && r.Start.Before(f.Since):
		return false
	case !f.Until.IsZero() && !r.Start.Before(f.Until):
		return false
	}
	return true
}

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Renderer returns next, or, when f is active, next behind f: a
// connection f leaves out never reaches next and is counted in the
// statistics it finishes with (Stats.FilteredOut).
func (f *Filter) Renderer(next Renderer) Renderer {
	if !f.Active() {
		return next
	}
	return &filteredRenderer{next: next, f: f}
}

// filteredRenderer hands on only the records its filter keeps.
type filteredRenderer struct {
	next Renderer
	f    *Filter
	out  uint64
}

func (s *filteredRenderer) Connection(r *classify.Record) error {
	if !s.f.Keep(r) {
		s.out++
		return nil
	}
	return s.next.Connection(r)
}

func (s *filteredRenderer) Finish(st *Stats) error {
	if st == nil {
		st = &Stats{}
	}
	st.FilteredOut = s.out
	return s.next.Finish(st)
}
