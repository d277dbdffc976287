package report

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// tableTime is the layout of times in tables, always printed in UTC.
const tableTime = "2006-01-02 15:04:05.000000"

// bannerWidth is the most runes the BANNER column shows.
const bannerWidth = 40

// reasonWidth is the most runes the REASON columns show.
const reasonWidth = 32

// ellipsis marks a shortened cell.
const ellipsis = "…"

// formatTableTime formats t for a table cell; the zero time is empty.
func formatTableTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(tableTime)
}

// formatEndpoint formats an address and port as "192.0.2.1:25" or
// "[2001:db8::1]:25"; an invalid address is empty.
func formatEndpoint(addr netip.Addr, port uint16) string {
	if !addr.IsValid() {
		return ""
	}
	return netip.AddrPortFrom(addr, port).String()
}

// formatBanner formats the code and first line of a banner, shortened to
// bannerWidth runes.
func formatBanner(code int, text string) string {
	text, _, _ = strings.Cut(text, "\n")
	s := text
	if code != 0 {
		s = strings.TrimRight(fmt.Sprintf("%d %s", code, text), " ")
	}
	return shorten(s, bannerWidth)
}

// shorten returns s if it has at most n runes, or else its beginning and an
// ellipsis, n runes in all. It never cuts one of classify.Escape's escapes
// (`\\`, `\t`, `\r`, `\n`, `\xNN`) in half: the cut moves before it.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	keep := n - 1
	for i := 0; i < keep; {
		if r[i] != '\\' {
			i++
			continue
		}
		size := 2
		if i+1 < len(r) && r[i+1] == 'x' {
			size = 4
		}
		if i+size > keep {
			keep = i
			break
		}
		i += size
	}
	return strings.TrimRight(string(r[:keep]), " ") + ellipsis
}

// hostDetail is the DETAIL cell of a host: the verdict counts of a MIXED
// host (INCOMPLETE last), the outcome counts of an ACCEPT host, and empty
// otherwise.
func hostDetail(h Host) string {
	switch h.Verdict {
	case VerdictMixed:
		return joinCounts(h.Counts, verdictRank)
	case classify.VerdictAccept.String():
		return joinCounts(h.Outcomes, outcomeRank)
	}
	return ""
}

// formatTLS sums up a connection's TLS in a table cell: the version and
// cipher suite the server chose, or what went wrong ("refused", "alert
// protocol_version from server"), or "offered" when STARTTLS was offered
// and not used.
func formatTLS(t *classify.TLS) string {
	var parts []string
	if t.Version != "" {
		parts = append(parts, t.Version, t.Cipher)
	}
	switch {
	case t.Alert != "":
		parts = append(parts, "alert "+t.Alert+" from "+t.AlertFrom)
	case t.Result == "refused", t.Result == "handshake_failed":
		parts = append(parts, t.Result)
	case t.Version == "" && t.Attempted:
		parts = append(parts, "attempted")
	case t.Version == "" && t.Offered:
		parts = append(parts, "offered")
	}
	return strings.Join(parts, " ")
}

// flagList joins a connection's flag names.
func flagList(flags []classify.Flag) string {
	names := make([]string, len(flags))
	for i, f := range flags {
		names[i] = string(f.Name)
	}
	return strings.Join(names, ",")
}

// noRank orders names alphabetically in joinCounts.
func noRank(string) (int, bool) { return 0, false }

// verdictRank returns the position of a verdict name in classify's order,
// except that INCOMPLETE comes after every decided verdict.
func verdictRank(name string) (int, bool) {
	v, err := classify.ParseVerdict(name)
	if err != nil {
		return 0, false
	}
	if !v.Decided() {
		return len(classify.Verdicts()), true
	}
	return int(v), true
}

// outcomeRank returns the position of an outcome name in classify's order.
func outcomeRank(name string) (int, bool) {
	o, err := classify.ParseOutcome(name)
	return int(o), err == nil && name != ""
}

// joinCounts formats counts as "A 3, B 1", the names ordered by rank and
// names rank does not know last, alphabetically.
func joinCounts(counts map[string]int, rank func(string) (int, bool)) string {
	type entry struct {
		name  string
		rank  int
		known bool
	}
	entries := make([]entry, 0, len(counts))
	for name := range counts {
		r, ok := rank(name)
		entries = append(entries, entry{name, r, ok})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if a.known != b.known {
			if a.known {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = fmt.Sprintf("%s %d", e.name, counts[e.name])
	}
	return strings.Join(parts, ", ")
}
