package engine

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/internal/pcaptest"
	"github.com/esaflow/esaflow/report"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	return pcaptest.WriteTemp(t, name, data)
}

// openFiles opens every file as a capture source; the test's cleanup
// closes them.
func openFiles(t *testing.T, files []string) []capture.Source {
	t.Helper()
	var sources []capture.Source
	for _, f := range files {
		s, err := capture.Open(f, nil)
		if err != nil {
			t.Fatalf("opening %s: %v", f, err)
		}
		t.Cleanup(func() { s.Close() })
		sources = append(sources, s)
	}
	return sources
}

// reportOf runs files through Run with opts into a renderer of ropts and
// returns the output.
func reportOf(t *testing.T, files []string, ropts report.Options, opts Options) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := Run(context.Background(), openFiles(t, files), report.New(&out, ropts), opts); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
