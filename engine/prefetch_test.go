package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/internal/pcaptest"
)

// manyFrames builds a capture of n data segments of varied sizes.
func manyFrames(n int) []byte {
	b := pcaptest.NewBuilder(pcaptest.Ethernet)
	c := b.Conv(pcaptest.Endpoint{Addr: netip.MustParseAddr("198.51.100.7"), Port: 40000},
		pcaptest.Endpoint{Addr: netip.MustParseAddr("192.0.2.25"), Port: 25}, 1, 2)
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for i := range n {
		c.Client(at.Add(time.Duration(i)*time.Microsecond), strings.Repeat("x", 1+(i*37)%1460))
	}
	return b.Bytes(pcaptest.Pcap)
}

func openBytes(t *testing.T, data []byte) *capture.File {
	t.Helper()
	f, err := capture.NewReader("test.pcap", io.NopCloser(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPrefetchDeliversEveryFrameInOrder(t *testing.T) {
	data := manyFrames(3000) // several batches
	direct := openBytes(t, data)
	var want []capture.Packet
	var pkt capture.Packet
	for direct.Next(&pkt) == nil {
		p := pkt
		p.Data = bytes.Clone(pkt.Data)
		want = append(want, p)
	}
	src := openBytes(t, data)
	pf := startPrefetch(context.Background(), src, 64<<10, nil)
	var got []capture.Packet
	for {
		b := pf.next()
		for _, p := range b.pkts {
			p.Data = bytes.Clone(p.Data)
			got = append(got, p)
		}
		err := b.err
		b.release()
		if err != nil {
			if err != io.EOF {
				t.Fatalf("ended with %v", err)
			}
			break
		}
	}
	pf.stop()
	if len(got) != len(want) || src.Packets() != uint64(len(want)) {
		t.Fatalf("%d frames through the prefetcher, %d read directly, source counted %d", len(got), len(want), src.Packets())
	}
	for i := range want {
		if !bytes.Equal(got[i].Data, want[i].Data) || !got[i].Time.Equal(want[i].Time) || got[i].Length != want[i].Length {
			t.Fatalf("frame %d differs", i)
		}
	}
}

func TestPrefetchStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pf := startPrefetch(ctx, openBytes(t, manyFrames(2000)), 64<<10, nil)
	b := pf.next()
	cancel()
	// A batch's fields belong to the prefetcher again once it is released:
	// read err first.
	err := b.err
	b.release()
	for err == nil {
		b = pf.next()
		err = b.err
		b.release()
	}
	if !errors.Is(err, context.Canceled) && err != io.EOF {
		t.Errorf("ended with %v", err)
	}
	pf.stop()
}

func TestPrefetchStopWithoutReading(t *testing.T) {
	pf := startPrefetch(context.Background(), openBytes(t, manyFrames(5000)), 64<<10, nil)
	pf.stop() // must not hang with the reader blocked on a full queue
}
