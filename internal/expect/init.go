package expect

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/esaflow/esaflow/report"
)

// WriteInit writes an expectations file that the capture satisfies
// today: the options it was analysed with (by flag name, see OptionNames),
// so that check reads the capture the same way, and every host's verdict,
// with the outcome when all its ACCEPT connections share one, as a
// starting point to edit.
func WriteInit(w io.Writer, sources []string, options map[string]string, hosts []report.Host) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# esaflow check expectations, written by esaflow check --init from:\n")
	for _, s := range sources {
		fmt.Fprintf(&b, "#   %s\n", s)
	}
	b.WriteString("# Edit to state the behaviour you intend; see docs/commands.md (esaflow check).\n")
	if len(options) > 0 {
		b.WriteString("# The options the captures were read with: check applies them.\noptions:\n")
		for _, name := range OptionNames {
			if v, ok := options[name]; ok {
				fmt.Fprintf(&b, "  %s: %s\n", name, strconv.Quote(v))
			}
		}
	}
	if len(hosts) == 0 {
		b.WriteString("# The capture holds no SMTP connection.\nforbid: [NO_ANSWER]\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("hosts:\n")
	for _, h := range hosts {
		key := h.Addr.String()
		if h.Addr.Is6() {
			key = `"` + key + `"`
		}
		if v, share := dominant(h); h.Verdict == "MIXED" && share >= initShare {
			// Mostly one verdict (a big capture rarely has only one):
			// that verdict for the share of connections it has today.
			fmt.Fprintf(&b, "  %s: {verdict: %s, at_least: %d%%}   # %d connection(s)%s\n", key, v, int(share*100), h.Connections, countsText(h.Counts))
			continue
		}
		if h.Verdict == "ACCEPT" && len(h.Outcomes) == 1 {
			for o := range h.Outcomes {
				fmt.Fprintf(&b, "  %s: {verdict: ACCEPT, outcome: %s}   # %d connection(s)\n", key, o, h.Connections)
			}
			continue
		}
		fmt.Fprintf(&b, "  %s: %s   # %d connection(s)%s\n", key, h.Verdict, h.Connections, countsText(h.Counts))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// initShare is the share of its connections one verdict must have for
// --init to write a MIXED host as mostly that verdict.
const initShare = 0.9

// dominant returns the verdict most of h's connections have (the first in
// name order among equals) and its share of them.
func dominant(h report.Host) (string, float64) {
	best, n := "", 0
	for v, c := range h.Counts {
		if c > n || c == n && v < best {
			best, n = v, c
		}
	}
	if h.Connections == 0 {
		return best, 0
	}
	return best, float64(n) / float64(h.Connections)
}
