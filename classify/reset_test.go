package classify

import (
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/flow"
)

// reusingFactory hands every connection a Session from a pool, resets
// each after its record is copied, and puts it back: the way esaflow
// analyze reuses sessions once their records are encoded.
type reusingFactory struct {
	pool []Machine
	out  []Record
}

type reusingStream struct {
	f *reusingFactory
	s Machine
}

func (f *reusingFactory) New(*flow.Conn) flow.Stream {
	s := (&Classifier{}).NewMachine()
	if k := len(f.pool) - 1; k >= 0 {
		s, f.pool = f.pool[k], f.pool[:k]
	}
	return &reusingStream{f: f, s: s}
}

func (r *reusingStream) Event(_ *flow.Conn, e *flow.Event) { r.s.Event(e) }

func (r *reusingStream) Close(c *flow.Conn, why flow.CloseReason) {
	info := c.Info()
	// Record.Clone must copy everything a reset session reuses: a field
	// it missed would show here as another connection's.
	rec := r.s.Close(&info, why).Clone()
	r.f.out = append(r.f.out, rec)
	r.s.Reset()
	r.f.pool = append(r.f.pool, r.s)
}

// track runs every frame of the named captures, in order, through one
// tracker feeding f.
func track(t *testing.T, files []string, f flow.StreamFactory) {
	t.Helper()
	tr := flow.NewTracker(flow.Config{Ports: flow.MustParsePorts(flow.DefaultPorts)}, f)
	for _, name := range files {
		src, err := capture.Open(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		var p capture.Packet
		for {
			if err := src.Next(&p); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("%s: %v", name, err)
				}
				break
			}
			tr.Packet(&p)
		}
		src.Close()
	}
	tr.Flush()
}

// TestResetSessionDecidesLikeANewOne runs every recorded capture through
// sessions that are reset and reused connection after connection: every
// record is the one a new session gives. A field Reset forgot would carry
// one connection's facts (a reply, a flag, a TLS version) into the next.
func TestResetSessionDecidesLikeANewOne(t *testing.T) {
	files, _ := filepath.Glob("../testdata/captures/*.pcap*")
	if len(files) < 20 {
		t.Fatalf("only %d recorded captures", len(files))
	}
	var fresh []Record
	track(t, files, NewClassifier(func(r *Record) { fresh = append(fresh, *r) }))
	reused := &reusingFactory{}
	track(t, files, reused)
	if len(reused.out) != len(fresh) {
		t.Fatalf("%d records with reused sessions, %d with new ones", len(reused.out), len(fresh))
	}
	for i := range fresh {
		if !reflect.DeepEqual(reused.out[i], fresh[i]) {
			t.Errorf("connection %d: reused session gave\n%+v\nnew one\n%+v", fresh[i].ID, reused.out[i], fresh[i])
		}
	}
}
