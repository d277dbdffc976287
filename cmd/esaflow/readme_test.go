package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEExamplesAreRealOutput runs every "$ esaflow ..." example of
// the README and compares its output with what the README shows, and
// finds the README's JSON Lines record in the sample's output.
func TestREADMEExamplesAreRealOutput(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := regexp.MustCompile("(?s)```\n\\$ esaflow ([^\n]*)\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(examples) < 2 {
		t.Fatalf("%d examples in the README, want analyze and show at least", len(examples))
	}
	for _, ex := range examples {
		args := strings.Fields(strings.ReplaceAll(ex[1], "testdata/", "../../testdata/"))
		code, out, errs := run(args...)
		if code != ExitOK || out != ex[2] {
			t.Errorf("esaflow %s: exit %d, stderr %q, output differs from the README's:\n%s", ex[1], code, errs, out)
		}
	}
	record := regexp.MustCompile("(?s)```json\n(\\{.*?\\})\n```").FindStringSubmatch(string(readme))
	_, out, _ := run("analyze", "-o", "jsonl", "../../testdata/sample.pcapng")
	if record == nil || !strings.Contains(out, record[1]+"\n") {
		t.Errorf("the README's JSON Lines record is not in the sample's output:\n%s", out)
	}
}
