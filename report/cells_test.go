package report

import (
	"strings"
	"testing"
)

func TestShortenBanner(t *testing.T) {
	for _, tc := range []struct {
		code int
		text string
		want string
	}{
		{220, "mx ESMTP", "220 mx ESMTP"},
		{0, "HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request"},
		{0, "", ""},
		{554, "first line\nsecond line", "554 first line"},
		{220, strings.Repeat("a", 36), "220 " + strings.Repeat("a", 36)},
		{220, strings.Repeat("a", 37), "220 " + strings.Repeat("a", 35) + "…"},
		// The cut would fall inside `\x1b`: it moves before the backslash.
		{220, strings.Repeat("a", 33) + `\x1b[31m`, "220 " + strings.Repeat("a", 33) + "…"},
		{220, strings.Repeat("a", 32) + `\x1b`, "220 " + strings.Repeat("a", 32) + `\x1b`},
		// An escaped backslash `\\` is not split either.
		{220, strings.Repeat("a", 34) + `\\\\zzzz`, "220 " + strings.Repeat("a", 34) + "…"},
		{220, strings.Repeat("a", 33) + `\\\\zzzz`, "220 " + strings.Repeat("a", 33) + `\\` + "…"},
	} {
		if got := formatBanner(tc.code, tc.text); got != tc.want {
			t.Errorf("formatBanner(%d, %q) = %q, want %q", tc.code, tc.text, got, tc.want)
		}
	}
}

func TestEndpointFormatsIPv6InBrackets(t *testing.T) {
	if got := formatEndpoint(ip("2001:db8::1"), 25); got != "[2001:db8::1]:25" {
		t.Errorf("got %q", got)
	}
	if got := formatEndpoint(ip("192.0.2.1"), 587); got != "192.0.2.1:587" {
		t.Errorf("got %q", got)
	}
}
