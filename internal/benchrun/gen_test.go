package main

import (
	"bytes"
	"io"
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
		classify.New(func(r *classify.Record) { got[label(r.Verdict.String(), r.Outcome.String())]++ }))
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
