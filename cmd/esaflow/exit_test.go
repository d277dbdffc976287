package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestHelpAndReadmeListEveryExitCode: the codes esaflow exits with are
// documented in its help and in the README, each with its number.
func TestHelpAndReadmeListEveryExitCode(t *testing.T) {
	code, help, _ := run("--help")
	if code != ExitOK {
		t.Fatalf("--help: exit %d", code)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range exitCodes {
		if !strings.Contains(help, fmt.Sprintf("%5d  %s", c.code, strings.SplitN(c.text, "\n", 2)[0])) {
			t.Errorf("the help does not list exit code %d", c.code)
		}
		if !strings.Contains(string(readme), fmt.Sprintf("| %d |", c.code)) {
			t.Errorf("the README's table of exit codes has no row for %d", c.code)
		}
	}
}
