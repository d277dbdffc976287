package report

import (
	"flag"
	"os"
	"testing"
)

// update makes the golden tests rewrite their files: go test ./report -update
var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(m.Run())
}
