package report

import (
	"fmt"
	"strings"
)

// Format selects the output format of a Renderer.
type Format int

// The output formats.
const (
	// FormatTable prints human-readable tables and totals.
	FormatTable Format = iota
	// FormatJSON prints one indented JSON document with hosts,
	// connections and statistics.
	FormatJSON
	// FormatJSONL prints one JSON connection record per line, as each
	// connection is decided.
	FormatJSONL
	// FormatCSV prints a header line and one row per connection.
	FormatCSV
	// FormatTransactions prints one JSON line per mail transaction (from
	// MAIL to what became of it), as each connection is decided: the
	// shape of Zeek's smtp.log, joined to the connection records by uid.
	FormatTransactions
)

// formatNames holds the name of each Format, indexed by its value.
var formatNames = [...]string{
	FormatTable: "table",
	FormatJSON:  "json",
	FormatJSONL: "jsonl",
	FormatCSV:   "csv",

	FormatTransactions: "transactions",
}

// FormatNames lists the names ParseFormat accepts, for completion.
func FormatNames() []string { return formatNames[:] }

// String returns the name ParseFormat accepts, e.g. "jsonl".
func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat returns the Format named s: "table", "json", "jsonl" or
// "csv", in any case. The error for any other name lists the valid ones.
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if strings.EqualFold(n, strings.TrimSpace(s)) {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("unknown format %q (valid: %s)", s, strings.Join(formatNames[:], ", "))
}
