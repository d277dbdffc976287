//go:build !cgo

package main

import (
	"strings"
	"testing"
)

func TestLiveWithoutCgoSaysHowToBuild(t *testing.T) {
	for _, args := range [][]string{{"live", "-i", "lo"}, {"interfaces"}} {
		code, _, errs := run(args...)
		if code != ExitInput || !strings.Contains(errs, "CGO_ENABLED=1") || !strings.Contains(errs, "apt-get install libpcap-dev") {
			t.Errorf("%s: exit %d, %q", args[0], code, errs)
		}
	}
	if code, _, _ := run("analyze", "../../testdata/sample.pcapng"); code != ExitOK {
		t.Errorf("analyze without cgo: exit %d", code)
	}
}
