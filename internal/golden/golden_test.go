package golden

import "testing"

func TestDiffShowsOnlyTheChangedLines(t *testing.T) {
	want := "a\nb\nc\nd\n"
	got := "a\nB\nc\nd\ne\n"
	if d := Diff([]byte(want), []byte(got)); d != "-   2 b\n+   2 B\n+   5 e\n" {
		t.Errorf("diff:\n%s", d)
	}
	if d := Diff([]byte(want), []byte(want)); d != "" {
		t.Errorf("diff of equal files: %q", d)
	}
}
