package expect

import (
	"errors"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/report"
)

// FuzzParse: any expectations file either parses or fails with a
// *ParseError naming the file; a parsed spec can be checked against a
// record without panicking.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"hosts:\n  203.0.113.7: TCPREFUSE\n  198.51.100.0/24: REJECT\n  192.0.2.10: [ACCEPT, TEMPFAIL]\n",
		"hosts:\n  192.0.2.11: {verdict: ACCEPT, outcome: DELIVERED, at_least: 2}\n  \"2001:db8::7\": REJECT\n",
		"connections:\n  - client: 192.0.2.10\n    server_port: 25\n    verdict: ACCEPT\n    outcome: TLS\n    all: true\n",
		"connections:\n  - flags: [rst_forged_suspected]\n    exactly: 0\n  - verdict: REJECT\n    reason: [access_denied]\nforbid: [NO_ANSWER]\n",
		"hosts: [", "hosts:\n  x: REFUSED\n", "forbid: 7\n", "&a [*a, *a]\n", "",
	} {
		f.Add([]byte(seed))
	}
	rec := classify.Record{ID: 1, Verdict: classify.VerdictReject, Replies: []classify.Reply{}, Flags: []classify.Flag{}}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := Parse("expect.yaml", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if !strings.Contains(err.Error(), "expect.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		spec.Check([]classify.Record{rec}, nil, report.GroupClient)
	})
}
