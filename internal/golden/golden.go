// Package golden compares test output with golden files and rewrites
// them on request (go test -update), saying what changed either way: a
// failing comparison and an update both print the lines that differ, so
// that an accepted change is read, not taken on trust.
package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Check compares got with the golden file at path. With update it writes
// got there instead and logs the lines that changed (nothing when none
// did). how tells the reader the command that updates the file.
func Check(t testing.TB, path string, got []byte, update bool, how string) {
	t.Helper()
	old, err := os.ReadFile(path)
	if update {
		if err == nil && bytes.Equal(old, got) {
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Logf("created %s (%d lines)", path, bytes.Count(got, []byte("\n")))
		} else {
			t.Logf("updated %s:\n%s", path, Diff(old, got))
		}
		return
	}
	if err != nil {
		t.Fatalf("%v (%s creates it)", err, how)
	}
	if !bytes.Equal(got, old) {
		t.Errorf("output differs from %s (%s accepts it); -want +got:\n%s", path, how, Diff(old, got))
	}
}

// maxDiffLines bounds the lines Diff prints.
const maxDiffLines = 200

// Diff returns the lines that differ between want and got, each prefixed
// with its line number in its file and "-" (only in want) or "+" (only in
// got), from a longest common subsequence of lines.
func Diff(want, got []byte) string {
	a, b := lines(want), lines(got)
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	n := 0
	emit := func(sign string, line int, text string) {
		if n++; n <= maxDiffLines {
			fmt.Fprintf(&out, "%s%4d %s\n", sign, line+1, text)
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			emit("-", i, a[i])
			i++
		default:
			emit("+", j, b[j])
			j++
		}
	}
	if n > maxDiffLines {
		fmt.Fprintf(&out, "... %d more differing lines\n", n-maxDiffLines)
	}
	return out.String()
}

func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
