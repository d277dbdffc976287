package report

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// VerdictMixed is the Host.Verdict of a host whose decided connections do
// not all share one verdict.
const VerdictMixed = "MIXED"

// Host is the verdict for one host, over all its connections.
type Host struct {
	Addr        netip.Addr `json:"host"`
	Connections int        `json:"connections"`
	// Verdict is the single verdict all the host's decided (non-INCOMPLETE)
	// connections share, "MIXED" if they differ, or "INCOMPLETE" if none
	// is decided.
	Verdict string `json:"verdict"`
	// Counts maps each verdict name to its number of connections; only
	// verdicts that occur are present.
	Counts map[string]int `json:"counts"`
	// Outcomes maps each outcome name to its number of ACCEPT connections;
	// it is nil when the host has no ACCEPT connection.
	Outcomes map[string]int `json:"outcomes,omitempty"`
	// Reason is the most common refusal reason among the host's
	// connections (ties: the first in alphabetical order), and Reasons
	// counts the connections of each reason; both are empty when nothing
	// was refused.
	Reason  string         `json:"reason,omitempty"`
	Reasons map[string]int `json:"reasons,omitempty"`
	// Flags counts the host's connections that carry each flag name.
	Flags map[string]int `json:"flags,omitempty"`
	// First is the earliest connection start and Last the latest
	// connection end (or start, for a connection without an end), in UTC.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Other marks the row of the hosts past the Aggregator's bound
	// (Options.MaxHosts): their connections counted together, Host the
	// zero Addr. It comes after every other host.
	Other bool `json:"other,omitempty"`
}

// countSlots bounds the verdict and outcome values a hostAcc counts in
// place (TestCountSlotsHoldEveryVerdictAndOutcome keeps it true): a
// gateway's capture, or a SYN flood, can bring a million hosts, so a
// host's counts are an array, not maps.
const countSlots = 16

// hostAcc accumulates the counts for one host.
type hostAcc struct {
	conns    int
	verdicts [countSlots]int32 // by classify.Verdict
	outcomes [countSlots]int32 // by classify.Outcome, ACCEPT connections only
	reasons  map[string]int
	flags    map[string]int
	first    time.Time
	last     time.Time
}

// Aggregator builds per-host verdicts incrementally. It keeps counts, not
// records, so its memory grows with the number of hosts only. The zero
// value is not usable; call NewAggregator.
type Aggregator struct {
	by    GroupBy
	hosts map[netip.Addr]*hostAcc
	// max bounds the hosts kept apart (0: no bound); the connections of
	// hosts first seen past it are counted together in other.
	max   int
	other *hostAcc
}

// NewAggregator returns an empty Aggregator that groups connections by the
// side by, every host apart.
func NewAggregator(by GroupBy) *Aggregator {
	return &Aggregator{by: by, hosts: make(map[netip.Addr]*hostAcc)}
}

// NewBoundedAggregator is NewAggregator keeping at most max hosts apart:
// a flood from a million spoofed sources then costs max hosts of memory,
// and the connections of the hosts first seen past the bound are counted
// in one row (Host.Other).
func NewBoundedAggregator(by GroupBy, max int) *Aggregator {
	a := NewAggregator(by)
	a.max = max
	return a
}

// Add counts the connection r for its host. It keeps nothing that r points
// to, so r may be reused after the call.
func (a *Aggregator) Add(r *classify.Record) {
	addr := r.Client
	if a.by == GroupServer {
		addr = r.Server
	}
	h := a.hosts[addr]
	if h == nil {
		if a.max > 0 && len(a.hosts) >= a.max {
			if a.other == nil {
				a.other = &hostAcc{}
			}
			h = a.other
		} else {
			h = &hostAcc{}
			a.hosts[addr] = h
		}
	}
	h.conns++
	if int(r.Verdict) < countSlots {
		h.verdicts[r.Verdict]++
	}
	if r.Verdict == classify.VerdictAccept && int(r.Outcome) < countSlots {
		h.outcomes[r.Outcome]++
	}
	if r.Reason != "" {
		h.reasons = addCount(h.reasons, r.Reason)
	}
	for _, f := range r.Flags {
		h.flags = addCount(h.flags, string(f.Name))
	}
	end := r.End
	if end.IsZero() {
		end = r.Start
	}
	if !r.Start.IsZero() && (h.first.IsZero() || r.Start.Before(h.first)) {
		h.first = r.Start
	}
	if !end.IsZero() && (h.last.IsZero() || end.After(h.last)) {
		h.last = end
	}
}

// Hosts returns the verdict of every host seen so far, sorted by address.
// The result is the caller's: later calls to Add do not change it.
func (a *Aggregator) Hosts() []Host {
	out := make([]Host, 0, len(a.hosts))
	for addr, h := range a.hosts {
		out = append(out, h.host(addr))
	}
	slices.SortFunc(out, func(x, y Host) int { return x.Addr.Compare(y.Addr) })
	if a.other != nil {
		o := a.other.host(netip.Addr{})
		o.Other = true
		out = append(out, o)
	}
	return out
}

// host builds the Host for the accumulated counts h of addr.
func (h *hostAcc) host(addr netip.Addr) Host {
	verdict := classify.VerdictIncomplete.String()
	decided := 0
	counts := make(map[string]int, 1)
	for i, n := range h.verdicts {
		if n == 0 {
			continue
		}
		v := classify.Verdict(i)
		counts[v.String()] = int(n)
		if v.Decided() {
			decided++
			verdict = v.String()
		}
	}
	if decided > 1 {
		verdict = VerdictMixed
	}
	var outcomes map[string]int
	for i, n := range h.outcomes {
		if n == 0 {
			continue
		}
		if outcomes == nil {
			outcomes = make(map[string]int, 1)
		}
		outcomes[outcomeName(classify.Outcome(i))] = int(n)
	}
	return Host{
		Addr:        addr,
		Connections: h.conns,
		Verdict:     verdict,
		Counts:      counts,
		Outcomes:    outcomes,
		Reason:      topName(h.reasons),
		Reasons:     maps.Clone(h.reasons),
		Flags:       maps.Clone(h.flags),
		First:       h.first.UTC(),
		Last:        h.last.UTC(),
	}
}

// addCount adds one to m[name], making m if it is nil.
func addCount(m map[string]int, name string) map[string]int {
	if m == nil {
		m = make(map[string]int, 1)
	}
	if _, ok := m[name]; !ok {
		name = strings.Clone(name) // a key outlives the record it came from
	}
	m[name]++
	return m
}

// topName returns the name with the largest count, the alphabetically
// first among equals, or "" for an empty map.
func topName(m map[string]int) string {
	best, n := "", 0
	for name, c := range m {
		if c > n || (c == n && name < best) {
			best, n = name, c
		}
	}
	return best
}

// outcomeName returns the name of o, or "NONE" for OutcomeNone, so that no
// map key is empty.
func outcomeName(o classify.Outcome) string {
	if o == classify.OutcomeNone {
		return "NONE"
	}
	return o.String()
}
