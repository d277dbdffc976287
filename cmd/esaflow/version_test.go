package main

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/esaflow/esaflow/capture"
)

// TestVersionSaysWhatWasBuilt: the module version, the commit (marked
// when the tree had local changes), the Go version and whether live
// capture is available (libpcap's version, or why not); --version and the version command print the same.
func TestVersionSaysWhatWasBuilt(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/esaflow/esaflow", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "05da990"}, {Key: "vcs.time", Value: "2026-12-05T12:05:04Z"}, {Key: "vcs.modified", Value: "true"}}}
	want := "esaflow v1.2.3\ncommit 05da990 (with local changes) 2026-12-05T12:05:04Z\nbuilt with go1.26.8\n"
	got := versionText(info, true)
	if !strings.HasPrefix(got, want) {
		t.Errorf("version text:\n%s\nwant it to start with:\n%s", got, want)
	}
	if live := strings.Contains(got, "live capture: yes, libpcap version "); live != (capture.LiveSupported() == nil) {
		t.Errorf("says live capture works: %v, capture.LiveSupported: %v", live, capture.LiveSupported())
	}
	if versionText(nil, false) != "esaflow unknown\nbuilt with unknown\n"+got[strings.Index(got, "live capture"):] {
		t.Errorf("without build information: %q", versionText(nil, false))
	}
	c1, out1, _ := run("--version")
	c2, out2, _ := run("version")
	if c1 != ExitOK || c2 != ExitOK || out1 != out2 || !strings.HasPrefix(out1, "esaflow ") {
		t.Errorf("--version (exit %d) %q, version (exit %d) %q", c1, out1, c2, out2)
	}
}
