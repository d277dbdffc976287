package capture

import (
	"io"
	"testing"
)

// TestDumpcapStatisticsBlockAtEndIsCleanEOF reads a real dumpcap capture,
// which ends with an Interface Statistics Block after the last packet: the
// file must end cleanly, not as a truncated capture.
func TestDumpcapStatisticsBlockAtEndIsCleanEOF(t *testing.T) {
	src, err := Open("../testdata/captures/dumpcap_pcapng.pcapng", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var p Packet
	for {
		err := src.Next(&p)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d packets: %v", src.Packets(), err)
		}
	}
	if src.Packets() != 52 || src.Format() != "pcapng" {
		t.Errorf("read %d packets of %s, want 52 of pcapng", src.Packets(), src.Format())
	}
}
