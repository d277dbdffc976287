//go:build !cgo

package main

import (
	"strings"
	"testing"
)

func TestLiveWithoutCgoSaysHowToBuild(t *testing.T) {
	code, _, errs := run("live", "-i", "lo")
	if code != ExitInput || !strings.Contains(errs, "CGO_ENABLED=1") || !strings.Contains(errs, "libpcap-dev") {
		t.Errorf("exit %d, %q", code, errs)
	}
	if code, _, _ := run("analyze", "../../testdata/sample.pcapng"); code != ExitOK {
		t.Errorf("analyze without cgo: exit %d", code)
	}
}
