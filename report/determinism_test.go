package report

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
)

func TestRenderingTwiceGivesIdenticalBytes(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			first := render(t, tc.opts, fixtureRecords(), fixtureStats())
			second := render(t, tc.opts, fixtureRecords(), fixtureStats())
			if !bytes.Equal(first, second) {
				t.Errorf("two renderings differ:\n%s\n---\n%s", first, second)
			}
		})
	}
}

func TestBufferedFormatsDoNotDependOnDecisionOrder(t *testing.T) {
	// The table sorts what it prints, so the order in which connections
	// are decided must not show. (JSON Lines, JSON and CSV write each
	// connection as it is decided: the pipeline's decision order, which
	// is the same on every run, is theirs.)
	reversed := fixtureRecords()
	slices.Reverse(reversed)
	for _, tc := range goldenCases {
		if tc.opts.Format != FormatTable {
			continue
		}
		t.Run(tc.file, func(t *testing.T) {
			inOrder := render(t, tc.opts, fixtureRecords(), fixtureStats())
			backwards := render(t, tc.opts, reversed, fixtureStats())
			if !bytes.Equal(inOrder, backwards) {
				t.Errorf("output depends on input order:\n%s\n---\n%s", inOrder, backwards)
			}
		})
	}
}

func TestOutputDoesNotDependOnTimeZone(t *testing.T) {
	// The same instants in another zone must print the same bytes.
	zone := time.FixedZone("X", -7*3600)
	shifted := fixtureRecords()
	for i := range shifted {
		r := &shifted[i]
		r.Start, r.End = r.Start.In(zone), r.End.In(zone)
		replies := slices.Clone(r.Replies)
		for j := range replies {
			replies[j].Time = replies[j].Time.In(zone)
		}
		r.Replies = replies
	}
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			want := render(t, tc.opts, fixtureRecords(), fixtureStats())
			got := render(t, tc.opts, shifted, fixtureStats())
			if !bytes.Equal(got, want) {
				t.Errorf("output depends on the time zone:\n%s\n---\n%s", got, want)
			}
		})
	}
}

func TestRendererDoesNotModifyCallerData(t *testing.T) {
	recs := fixtureRecords()
	stats := fixtureStats()
	for _, tc := range goldenCases {
		render(t, tc.opts, recs, stats)
	}
	// Check the fields normalization touches.
	orig := fixtureRecords()
	for i := range recs {
		if recs[i].Start.Location().String() != orig[i].Start.Location().String() {
			t.Errorf("record %d: Start location changed", recs[i].ID)
		}
		for j := range recs[i].Replies {
			if recs[i].Replies[j].Time.Location().String() != orig[i].Replies[j].Time.Location().String() {
				t.Errorf("record %d reply %d: Time location changed", recs[i].ID, j)
			}
		}
		if (recs[i].Replies == nil) != (orig[i].Replies == nil) {
			t.Errorf("record %d: Replies nil-ness changed", recs[i].ID)
		}
	}
	if stats.Files[1].LinkTypes != nil || stats.Last.Location() == time.UTC {
		t.Error("stats were modified")
	}
}

func TestJSONRepliesEmptyListNotNull(t *testing.T) {
	rec := classify.Record{ID: 1, Client: ip("192.0.2.1"), Server: ip("192.0.2.2"), ServerPort: 25}
	for _, f := range []Format{FormatJSON, FormatJSONL} {
		out := string(render(t, Options{Format: f}, []classify.Record{rec}, nil))
		if strings.Contains(out, "null") {
			t.Errorf("%v output contains null:\n%s", f, out)
		}
		if !strings.Contains(out, `"replies":[]`) && !strings.Contains(out, `"replies": []`) {
			t.Errorf("%v output lacks an empty replies list:\n%s", f, out)
		}
	}
}

func TestUseAfterFinishFails(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			r := New(&bytes.Buffer{}, tc.opts)
			if err := r.Finish(nil); err != nil {
				t.Fatal(err)
			}
			if err := r.Connection(&classify.Record{}); !errors.Is(err, errFinished) {
				t.Errorf("Connection after Finish: got %v, want %v", err, errFinished)
			}
			if err := r.Finish(nil); !errors.Is(err, errFinished) {
				t.Errorf("second Finish: got %v, want %v", err, errFinished)
			}
		})
	}
}

func TestUnknownFormatFails(t *testing.T) {
	r := New(&bytes.Buffer{}, Options{Format: Format(42)})
	if err := r.Connection(&classify.Record{}); err == nil {
		t.Error("Connection: want an error")
	}
	if err := r.Finish(nil); err == nil {
		t.Error("Finish: want an error")
	}
}

// failWriter fails every write.
type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteErrorsAreReturned(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.file, func(t *testing.T) {
			r := New(failWriter{}, tc.opts)
			recs := fixtureRecords()
			var err error
			for i := range recs {
				if err = r.Connection(&recs[i]); err != nil {
					break
				}
			}
			if err == nil {
				err = r.Finish(fixtureStats())
			}
			if !errors.Is(err, errWrite) {
				t.Errorf("got %v, want %v", err, errWrite)
			}
		})
	}
}
