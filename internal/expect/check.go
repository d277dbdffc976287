package expect

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/report"
)

// Result is the outcome of one expectation.
type Result struct {
	Name   string // the expectation in words, with its line
	Pass   bool   // whether the capture satisfies it
	Detail string // for a failure: what was expected and what was found
	// Conns are the connections behind a failure, each with its evidence
	// (at most maxListed; More counts the rest).
	Conns []string
	More  int
}

// maxShown bounds the connections the text output lists under a failure
// (the JUnit file lists every one up to maxListed).
const maxShown = 5

// maxListed bounds the connections a Result keeps.
const maxListed = 10000

// Check evaluates spec against the decided connections and the per-host
// verdicts built from them with the given grouping.
func (s *Spec) Check(recs []classify.Record, hosts []report.Host, by report.GroupBy) []Result {
	var out []Result
	side := func(r *classify.Record) netip.Addr {
		if by == report.GroupServer {
			return r.Server
		}
		return r.Client
	}
	for _, h := range s.Hosts {
		out = append(out, h.check(recs, hosts, side))
	}
	for _, c := range s.Connections {
		out = append(out, c.check(recs))
	}
	if len(s.Forbid) > 0 {
		out = append(out, s.checkForbid(recs))
	}
	return out
}

func (h HostRule) check(recs []classify.Record, hosts []report.Host, side func(*classify.Record) netip.Addr) Result {
	want := strings.Join(h.Verdicts, " or ")
	if len(h.Outcomes) > 0 {
		want = strings.TrimSpace(want + " with outcome " + outcomeList(h.Outcomes))
	}
	if c := h.Count.String(); c != "" && h.Count.Share >= 0 {
		want = strings.TrimSpace(want + " for " + c + " of its connections")
	} else if c != "" {
		want = strings.TrimSpace(want + ", " + c + " connections")
	}
	res := Result{Name: fmt.Sprintf("line %d: host %s is %s", h.Line, h.Text, want), Pass: true}
	matched := 0
	var problems []string
	for _, host := range hosts {
		if !h.Prefix.Contains(host.Addr) {
			continue
		}
		matched++
		var bad []string
		if h.Count.Share >= 0 {
			// A share: enough of the host's connections have one of the
			// verdicts, whatever the host's single verdict (MIXED).
			n := 0
			for _, v := range h.Verdicts {
				n += host.Counts[v]
			}
			if !h.Count.shareOK(n, host.Connections) {
				bad = append(bad, fmt.Sprintf("%d of %d connections%s", n, host.Connections, countsText(host.Counts)))
			}
		} else if len(h.Verdicts) > 0 && !slices.Contains(h.Verdicts, host.Verdict) {
			bad = append(bad, "verdict "+host.Verdict+countsText(host.Counts))
		}
		if !h.Count.ok(host.Connections) {
			bad = append(bad, fmt.Sprintf("%d connections", host.Connections))
		}
		var badRecs []classify.Record
		for _, r := range recs {
			if side(&r) != host.Addr {
				continue
			}
			wrongVerdict := len(h.Verdicts) > 0 && !slices.Contains(h.Verdicts, r.Verdict.String())
			wrongOutcome := len(h.Outcomes) > 0 && r.Verdict == classify.VerdictAccept && !slices.Contains(h.Outcomes, r.Outcome)
			if len(bad) > 0 && (wrongVerdict || len(h.Verdicts) == 0) || wrongOutcome {
				badRecs = append(badRecs, r)
			}
		}
		if len(h.Outcomes) > 0 && len(badRecs) > 0 && len(bad) == 0 {
			bad = append(bad, fmt.Sprintf("%d ACCEPT connection(s) with another outcome", len(badRecs)))
		}
		if len(bad) > 0 {
			problems = append(problems, host.Addr.String()+": "+strings.Join(bad, ", "))
			res.addConns(badRecs)
		}
	}
	switch {
	case matched == 0:
		res.Pass = false
		res.Detail = fmt.Sprintf("expected %s, but the capture has no host in %s", want, h.Text)
	case len(problems) > 0:
		res.Pass = false
		res.Detail = fmt.Sprintf("expected %s, found %s", want, strings.Join(problems, "; "))
	}
	return res
}

func (c ConnRule) check(recs []classify.Record) Result {
	var sel []string
	if c.Client.IsValid() {
		sel = append(sel, "from "+c.Client.String())
	}
	if c.Server.IsValid() {
		sel = append(sel, "to "+c.Server.String())
	}
	if c.ServerPort != 0 {
		sel = append(sel, fmt.Sprintf("port %d", c.ServerPort))
	}
	want := verdictList(c.Verdicts)
	if len(c.Outcomes) > 0 {
		want = strings.TrimSpace(want + " " + outcomeList(c.Outcomes))
	}
	if len(c.Flags) > 0 {
		want = strings.TrimSpace(want + " flagged " + strings.Join(c.Flags, " and "))
	}
	if len(c.Reasons) > 0 {
		want = strings.TrimSpace(want + " for reason " + strings.Join(c.Reasons, " or "))
	}
	quant := "at least one"
	switch {
	case c.All:
		quant = "every"
	case c.Count.Share >= 0:
		quant = c.Count.String() + " of the"
	case c.Count.Exactly >= 0:
		quant = fmt.Sprintf("exactly %d", c.Count.Exactly)
	case c.Count.AtLeast >= 0:
		quant = fmt.Sprintf("at least %d", c.Count.AtLeast)
	}
	name := fmt.Sprintf("line %d: %s connection(s) %s is %s", c.Line, quant, strings.Join(sel, " "), want)
	res := Result{Name: strings.Join(strings.Fields(name), " "), Pass: true}
	var selected, matching, other []classify.Record
	for _, r := range recs {
		if (c.Client.IsValid() && !c.Client.Contains(r.Client)) || (c.Server.IsValid() && !c.Server.Contains(r.Server)) ||
			(c.ServerPort != 0 && int(r.ServerPort) != c.ServerPort) {
			continue
		}
		selected = append(selected, r)
		if (len(c.Verdicts) == 0 || slices.Contains(c.Verdicts, r.Verdict)) && (len(c.Outcomes) == 0 || slices.Contains(c.Outcomes, r.Outcome)) &&
			hasFlags(&r, c.Flags) && (len(c.Reasons) == 0 || slices.Contains(c.Reasons, r.Reason)) {
			matching = append(matching, r)
		} else {
			other = append(other, r)
		}
	}
	ok := len(matching) >= 1
	switch {
	case c.All:
		ok = len(selected) > 0 && len(other) == 0
	case c.Count.Share >= 0:
		ok = c.Count.shareOK(len(matching), len(selected))
	case c.Count != noCount():
		ok = c.Count.ok(len(matching))
	}
	if !ok {
		res.Pass = false
		res.Detail = fmt.Sprintf("%d connection(s) selected, %d match", len(selected), len(matching))
		// The failing connections: those that match when there are too
		// many of them, else those that do not.
		if c.Count.Exactly >= 0 && len(matching) > c.Count.Exactly {
			res.addConns(matching)
		} else {
			res.addConns(other)
		}
	}
	return res
}

// hasFlags reports whether r carries every flag in want; a name without
// ":" also matches the flags named NAME:SOMETHING.
func hasFlags(r *classify.Record, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(r.Flags, func(f classify.Flag) bool {
			return string(f.Name) == w || strings.HasPrefix(string(f.Name), w+":")
		}) {
			return false
		}
	}
	return true
}

func (s *Spec) checkForbid(recs []classify.Record) Result {
	res := Result{Name: fmt.Sprintf("line %d: no connection is %s", s.ForbidLine, verdictList(s.Forbid)), Pass: true}
	var bad []classify.Record
	for _, r := range recs {
		if slices.Contains(s.Forbid, r.Verdict) {
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		res.Pass = false
		res.Detail = fmt.Sprintf("%d connection(s) have a forbidden verdict", len(bad))
		res.addConns(bad)
	}
	return res
}

// addConns adds the failing records to res, at most maxListed in all,
// counting the rest.
func (res *Result) addConns(recs []classify.Record) {
	for _, r := range recs {
		if len(res.Conns) == maxListed {
			res.More++
			continue
		}
		res.Conns = append(res.Conns, connText(&r))
	}
}

func connText(r *classify.Record) string {
	s := fmt.Sprintf("#%d %s → %s %s", r.ID, netip.AddrPortFrom(r.Client, r.ClientPort), netip.AddrPortFrom(r.Server, r.ServerPort), r.Verdict)
	if r.Outcome != classify.OutcomeNone {
		s += " " + r.Outcome.String()
	}
	return s + " history " + r.History + " (" + r.Explanation + ")"
}

func countsText(m map[string]int) string {
	if len(m) < 2 {
		return ""
	}
	var parts []string
	for _, v := range classify.Verdicts() {
		if n := m[v.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", v, n))
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func verdictList(vs []classify.Verdict) string {
	var s []string
	for _, v := range vs {
		s = append(s, v.String())
	}
	return strings.Join(s, " or ")
}

func outcomeList(os []classify.Outcome) string {
	var s []string
	for _, o := range os {
		s = append(s, o.String())
	}
	return strings.Join(s, " or ")
}
