package pcaptest

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteTemp writes data to a file called name in a directory of the
// test's own (removed when it ends) and returns the file's path.
func WriteTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
