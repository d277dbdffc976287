package engine

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/internal/pcaptest"
	"github.com/esaflow/esaflow/report"
)

// workersReport runs files through Run, classified on the tracker's
// goroutine (workers 0) or on workers with small read-ahead batches, whose
// payloads point into many of them, each given back for reuse only when
// its last event is parsed.
func workersReport(t *testing.T, files []string, ropts report.Options, workers int) []byte {
	t.Helper()
	opts := Options{Workers: workers}
	if workers > 0 {
		opts.batchSize = 2048 << workers
	}
	return reportOf(t, files, ropts, opts)
}

func TestAsyncClassificationGivesTheSequentialReport(t *testing.T) {
	busy := writeTemp(t, "busy.pcap", pcaptest.Busy(t0, 700))
	inputs := [][]string{{busy}}
	caps, _ := filepath.Glob("../testdata/captures/*.pcap*")
	for _, c := range caps {
		inputs = append(inputs, []string{c})
	}
	inputs = append(inputs, caps) // all of them as one input
	formats := []report.Options{
		{Format: report.FormatJSONL}, {Format: report.FormatJSON},
		{Format: report.FormatTable, Flows: true}, {Format: report.FormatCSV},
	}
	for _, files := range inputs {
		for _, opts := range formats {
			want := workersReport(t, files, opts, 0)
			for _, workers := range []int{1, 2, 3} {
				if got := workersReport(t, files, opts, workers); !bytes.Equal(got, want) {
					t.Errorf("%s, format %v, %d workers: the report differs from the sequential one", filepath.Base(files[0]), opts.Format, workers)
				}
			}
		}
	}
	if n := bytes.Count(workersReport(t, []string{busy}, report.Options{Format: report.FormatJSONL}, 2), []byte("\n")); n != 700 {
		t.Errorf("busy capture: %d records, want 700", n)
	}
}

func TestAsyncClassifierStopsItsWorkers(t *testing.T) {
	emitted := 0
	a := newAsyncClassifier(3, func(*classify.Record) { emitted++ })
	a.drain() // nothing was tracked: returns at once, workers end
	if emitted != 0 {
		t.Errorf("%d records from nothing", emitted)
	}
}

// FuzzAsyncClassificationGivesTheSequentialReport runs arbitrary segments
// (pcaptest.Arbitrary: SMTP dialogues cut anywhere, out of order,
// retransmitted, reset, with RST holds, idle gaps and port reuse) through
// classification on workers, with read-ahead batches of 2 or 4 KiB, and
// checks that the JSON Lines (encoded on the workers) and the flows table
// (rendered from records) are the sequential ones byte for byte: the
// worker's events kept inline until a connection's first payload, its
// reused sessions and the order records are written in included.
func FuzzAsyncClassificationGivesTheSequentialReport(f *testing.F) {
	f.Add([]byte{
		0, 1, 0, 0, 1, 4, 3, 0, 0, 1, 0, 2, 0, 0, 1, 4, 0x12, 0, 20, 1, 0, 0x12, 0, 21, 1,
		4, 0x12, 0, 40, 1, 0, 0x12, 0, 47, 1, 4, 0x12, 0, 30, 1, 0, 0x12, 0, 47, 1, 0, 0x12, 0, 47, 1,
		1, 1, 0, 0, 2, 5, 8, 0, 0, 3, 9, 1, 0, 0, 230, 4, 0x0a, 0, 0, 5, 0, 0x12, 0, 0, 254,
	})
	f.Add([]byte{2, 1, 0, 0, 1, 6, 3, 0, 0, 1, 2, 2, 0, 0, 1, 6, 8, 0, 0, 1, 2, 2, 0, 0, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 5*300 {
			return
		}
		b := pcaptest.NewBuilder(pcaptest.Ethernet)
		for _, s := range pcaptest.Arbitrary(data, t0) {
			b.Segment(s)
		}
		file := writeTemp(t, "arbitrary.pcap", b.Bytes(pcaptest.Pcap))
		for _, opts := range []report.Options{{Format: report.FormatJSONL}, {Format: report.FormatTable, Flows: true}} {
			want := workersReport(t, []string{file}, opts, 0)
			for _, workers := range []int{1, 2} {
				if got := workersReport(t, []string{file}, opts, workers); !bytes.Equal(got, want) {
					t.Fatalf("format %v, %d workers:\n%s\nsequential:\n%s", opts.Format, workers, got, want)
				}
			}
		}
	})
}
