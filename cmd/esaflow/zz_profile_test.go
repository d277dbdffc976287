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
	args := append(strings.Fields(os.Getenv("ESAFLOW_PROFILE_ARGS")), f)
	code := Main(context.Background(), append([]string{"analyze"}, args...), IO{In: strings.NewReader(""), Out: io.Discard, Err: os.Stderr})
	if code != 0 {
		t.Fatal(code)
	}
}
