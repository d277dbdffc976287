package report

import (
	"strings"
	"testing"
)

func TestParseFormatAcceptsEveryName(t *testing.T) {
	for _, want := range []Format{FormatTable, FormatJSON, FormatJSONL, FormatCSV} {
		got, err := ParseFormat(want.String())
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", want.String(), got, err, want)
		}
	}
}

func TestParseFormatErrorListsValidNames(t *testing.T) {
	for _, in := range []string{"", "xml", "json-lines"} {
		_, err := ParseFormat(in)
		if err == nil {
			t.Errorf("ParseFormat(%q): want an error", in)
			continue
		}
		for _, name := range []string{"table", "json", "jsonl", "csv"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("ParseFormat(%q) error %q does not list %q", in, err, name)
			}
		}
	}
}

func TestParseGroupBy(t *testing.T) {
	for in, want := range map[string]GroupBy{"client": GroupClient, "server": GroupServer} {
		got, err := ParseGroupBy(in)
		if err != nil || got != want {
			t.Errorf("ParseGroupBy(%q) = %v, %v; want %v", in, got, err, want)
		}
		if got.String() != in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), in)
		}
	}
}

func TestParseGroupByErrorListsValidNames(t *testing.T) {
	for _, in := range []string{"", "host", "clients"} {
		_, err := ParseGroupBy(in)
		if err == nil {
			t.Errorf("ParseGroupBy(%q): want an error", in)
			continue
		}
		if !strings.Contains(err.Error(), "client") || !strings.Contains(err.Error(), "server") {
			t.Errorf("ParseGroupBy(%q) error %q does not list client and server", in, err)
		}
	}
}

// TestEnumValuesIgnoreCase: -o JSON and --group-by Server are what they
// say.
func TestEnumValuesIgnoreCase(t *testing.T) {
	if f, err := ParseFormat("JSON"); err != nil || f != FormatJSON {
		t.Errorf("JSON: %v, %v", f, err)
	}
	if f, err := ParseFormat(" Csv "); err != nil || f != FormatCSV {
		t.Errorf("Csv: %v, %v", f, err)
	}
	if g, err := ParseGroupBy("Server"); err != nil || g != GroupServer {
		t.Errorf("Server: %v, %v", g, err)
	}
}
