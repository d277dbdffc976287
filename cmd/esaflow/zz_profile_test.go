package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

func TestZZProfile(t *testing.T) {
	f := os.Getenv("ESAFLOW_PROFILE_FILE")
	if f == "" {
		t.Skip()
	}
	code := Main(context.Background(), []string{"analyze", "-o", "jsonl", f}, IO{In: strings.NewReader(""), Out: io.Discard, Err: os.Stderr})
	if code != 0 {
		t.Fatal(code)
	}
}
