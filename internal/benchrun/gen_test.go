package main

import (
	"bytes"
	"io"
	"net/netip"
	"testing"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
)

// TestGeneratedCaptureIsLabelledAsGenerated runs a small generated capture
// through the pipeline and checks that every session gets the verdict and
// outcome the generator built it for.
func TestGeneratedCaptureIsLabelledAsGenerated(t *testing.T) {
	var buf bytes.Buffer
	sessions, err := generate(&buf, 4<<20)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts)},
		classify.NewClassifier(func(r *classify.Record) { got[label(r.Verdict.String(), r.Outcome.String())]++ }))
	src, err := capture.NewReader("gen", io.NopCloser(&buf))
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	for src.Next(&p) == nil {
		tr.Packet(&p)
	}
	tr.Flush()
	want := expectedCounts(sessions)
	if len(got) != len(want) {
		t.Errorf("labels %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: labelled %d, generated %d", k, got[k], n)
		}
	}
}

func TestGeneratorIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if _, err := generate(&a, 1<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := generate(&b, 1<<20); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two generations differ")
	}
}

// TestGeneratedCaptureRetransmitsAndReorders reads a small generated
// capture segment by segment and checks that every delivery of kind 3
// sends a segment again that was already sent, every one of kind 7 sends
// a segment past a gap (before the bytes ahead of it), and no other
// delivery does either: the capture holds the retransmissions and
// reordering the issue asks for, and only where the generator puts them.
func TestGeneratedCaptureRetransmitsAndReorders(t *testing.T) {
	var buf bytes.Buffer
	sessions, err := generate(&buf, 2<<20)
	if err != nil {
		t.Fatal(err)
	}
	src, err := capture.NewReader("gen", io.NopCloser(&buf))
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		next          uint32 // end of the highest client byte sent so far
		started       bool
		again, beyond bool
	}
	client := map[netip.AddrPort]*seen{}
	var p capture.Packet
	var seg flow.Segment
	for src.Next(&p) == nil {
		if flow.DecodePacket(&p, &seg) != nil || seg.Dst.Port() != 25 || len(seg.Payload) == 0 {
			continue
		}
		s := client[seg.Src]
		if s == nil {
			s = &seen{}
			client[seg.Src] = s
		}
		end := seg.Seq + uint32(len(seg.Payload))
		switch d := int32(seg.Seq - s.next); {
		case !s.started:
			s.started, s.next = true, end
		case d < 0:
			s.again = true
		case d > 0:
			s.beyond = true
		}
		if int32(end-s.next) > 0 {
			s.next = end
		}
	}
	checked := 0
	for n := range sessions {
		kind := n % 20
		if kind >= 14 {
			continue
		}
		cl, _ := sessionClient(n)
		s := client[netip.AddrPortFrom(cl.Addr, cl.Port)]
		if s == nil {
			t.Fatalf("session %d sent no data", n)
		}
		if s.again != (kind == 3 || kind == 7) || s.beyond != (kind == 7) {
			t.Errorf("session %d (kind %d): a segment sent again %v, past a gap %v", n, kind, s.again, s.beyond)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no delivery checked")
	}
}
