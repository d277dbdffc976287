package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenDocsWritesManPagesAndCompletions: the packagers' command writes a
// man page per command and completions for bash, zsh and fish, the same
// bytes every time.
func TestGenDocsWritesManPagesAndCompletions(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		if code, _, errs := run("gen-docs", d); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
	}
	for _, f := range []string{"man1/esaflow.1", "man1/esaflow-analyze.1", "man1/esaflow-check.1", "man1/esaflow-show.1", "man1/esaflow-live.1",
		"completions/esaflow.bash", "completions/_esaflow", "completions/esaflow.fish"} {
		a, err := os.ReadFile(filepath.Join(dirs[0], f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dirs[1], f))
		if string(a) != string(b) || len(a) == 0 {
			t.Errorf("%s: empty, or not the same bytes twice", f)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dirs[0], "man1/esaflow-analyze.1"))
	if !strings.Contains(string(page), "--verdict") || !strings.Contains(string(page), ".SH OPTIONS") {
		t.Errorf("the analyze page lacks its options:\n%.500s", page)
	}
}
