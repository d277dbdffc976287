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
	b.WriteString("# The options the captures were read with: check applies them.\noptions:\n")
	for _, name := range OptionNames {
		if v, ok := options[name]; ok {
			fmt.Fprintf(&b, "  %s: %s\n", name, strconv.Quote(v))
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
