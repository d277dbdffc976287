package report

import (
	"flag"
	"os"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// update makes the golden tests rewrite their files: go test ./report -update
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestMain fixes tablewriter's East Asian width setting, which it otherwise
// derives from the locale, so that the golden tables do not depend on the
// environment the tests run in (the ellipsis "…" is ambiguous-width).
func TestMain(m *testing.M) {
	flag.Parse()
	twwidth.SetEastAsian(false)
	os.Exit(m.Run())
}
