package report

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/classify"
)

// stdJSON is what encoding/json writes for r, the reference.
func stdJSON(t *testing.T, r *classify.Record) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := newJSONEncoder(&b).Encode(r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRecordJSONMatchesEncodingJSON(t *testing.T) {
	recs := fixtureRecords()
	recs = append(recs, classify.Record{}, classify.Record{Replies: []classify.Reply{}, Flags: []classify.Flag{}})
	for i := range recs {
		n := normalizeRecord(&recs[i])
		want := stdJSON(t, &n)
		got := appendRecordJSON(nil, &n)
		if !bytes.Equal(got, want) {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want)
		}
		raw := recs[i] // not normalized: nil slices stay null
		if got, want := appendRecordJSON(nil, &raw), stdJSON(t, &raw); !bytes.Equal(got, want) {
			t.Errorf("record %d (raw):\n got %s\nwant %s", i, got, want)
		}
	}
}

func FuzzRecordJSON(f *testing.F) {
	f.Add("220 mx \x1b[31m\u2028", "<a@b>&\"\\\x7f\xff", "CN=x", uint64(7), 250, true)
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, n uint64, code int, flag bool) {
		at := time.Unix(int64(n%4e9), int64(n%1e9)).UTC()
		r := classify.Record{
			ID: n, Client: netip.AddrFrom4([4]byte{198, 51, 100, byte(n)}), ClientPort: uint16(n),
			Server: netip.MustParseAddr("2001:db8::25"), ServerPort: 25,
			Verdict: classify.Verdict(n % 12), Outcome: classify.Outcome(n % 13),
			BannerCode: code, Banner: s1, History: s2, ConnState: s3, ClosedBy: s1,
			Start: at, End: at.Add(time.Duration(n % 1e9)),
			Replies:        []classify.Reply{{Command: s2, Code: code, Enhanced: s3, Text: s1, Time: at}, {Text: s2}},
			RepliesOmitted: code % 3,
			TLS: classify.TLS{Offered: flag, Attempted: !flag, Implicit: flag, Answered: flag, Result: s3,
				Version: s1, Cipher: s2, CertSubject: s3, CertIssuer: s1, Alert: s2, AlertFrom: s3},
			Flags:         []classify.Flag{{Name: classify.FlagName(s1), Evidence: s2}},
			ClientPackets: n, ServerPackets: n / 2, ClientBytes: n * 3, ServerBytes: n / 3,
			Reason: s3, Explanation: s2,
		}
		if got, want := appendRecordJSON(nil, &r), stdJSON(t, &r); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

func TestJSONDocumentMatchesEncodingJSON(t *testing.T) {
	st := fixtureStats()
	st.Warnings = append(st.Warnings, `a<b>&c.pcap: "odd" \ name`)
	for _, recs := range [][]classify.Record{fixtureRecords(), nil} {
		var got bytes.Buffer
		r := New(&got, Options{Format: FormatJSON})
		agg := NewAggregator(GroupClient)
		for i := range recs {
			if err := r.Connection(&recs[i]); err != nil {
				t.Fatal(err)
			}
			agg.Add(&recs[i])
		}
		if err := r.Finish(st); err != nil {
			t.Fatal(err)
		}
		inOrder := make([]classify.Record, len(recs))
		for i := range recs {
			inOrder[i] = normalizeRecord(&recs[i])
		}
		var want bytes.Buffer
		enc := newJSONEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonDocument{Schema: SchemaVersion, Hosts: agg.Hosts(), Connections: nonNil(inOrder), Stats: st.normalized()}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("got:\n%s\nwant:\n%s", got.Bytes(), want.Bytes())
		}
	}
}

// TestRFC3339NanoByHand checks the hand-made time formatting against
// time.RFC3339Nano: whole seconds, one nanosecond, trailing zeros, the
// ends of the four-digit years, and times outside UTC (which go to the
// general formatter).
func TestRFC3339NanoByHand(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tm := range []time.Time{
		time.Date(2026, 11, 29, 18, 9, 25, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 1, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 59, 120000000, time.UTC),
		time.Date(2026, 6, 7, 8, 9, 10, 999999999, time.UTC),
		time.Date(2026, 6, 7, 8, 9, 10, 100, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 5, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 4, 5, 6, 7, 8, paris),
		time.Unix(1e9, 7).UTC(),
		time.Unix(1767225600, 123456000).UTC(),
		time.Unix(1767225600, 100000).UTC(),
		time.Unix(1767225600, 999999000).UTC(),
		time.Unix(1767225600, 10000000).UTC(),
	} {
		var fresh timeCache
		if got, want := string(fresh.appendRFC3339Nano(nil, tm)), tm.Format(time.RFC3339Nano); got != want {
			t.Errorf("%v: %s, want %s", tm, got, want)
		}
	}
	// Random times, microseconds (as pcap records them) and nanoseconds.
	rng := rand.New(rand.NewPCG(8, 9))
	var rc timeCache
	for range 100000 {
		ns := rng.Int64N(1e9)
		if rng.IntN(2) == 0 {
			ns -= ns % 1000
		}
		tm := time.Unix(1767225600+rng.Int64N(100), ns).UTC()
		if got, want := string(rc.appendRFC3339Nano(nil, tm)), tm.Format(time.RFC3339Nano); got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
	// One cache through times in the same second and out of it.
	var tc timeCache
	base := time.Date(2026, 11, 29, 18, 9, 25, 0, time.UTC)
	for _, d := range []time.Duration{0, 5, time.Millisecond, time.Second, time.Second + 1, -1, 24 * time.Hour, 0} {
		tm := base.Add(d)
		if got, want := string(tc.appendRFC3339Nano(nil, tm)), tm.Format(time.RFC3339Nano); got != want {
			t.Errorf("cached %v: %s, want %s", tm, got, want)
		}
	}
}

// TestPlain8 checks the eight-bytes-at-a-time test against byte by byte:
// every byte value at every position of an otherwise plain word, and
// random words.
func TestPlain8(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	want := func(w [8]byte) bool {
		for _, c := range w {
			if !plain(c) {
				return false
			}
		}
		return true
	}
	check := func(w [8]byte) {
		if got := plain8(binary.LittleEndian.Uint64(w[:])); got != want(w) {
			t.Fatalf("plain8(%q) = %v", w, got)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			w := [8]byte{'a', 'b', ' ', '~', '0', 'Z', '!', '#'}
			w[pos] = byte(c)
			check(w)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000000 {
		var w [8]byte
		for i := range w {
			w[i] = byte(rng.IntN(256))
			if rng.IntN(4) > 0 {
				w[i] = byte(0x20 + rng.IntN(0x60))
			}
		}
		check(w)
	}
}

// BenchmarkRecordJSON measures encoding the fixture records as JSON
// Lines, the output of a large analysis: it must allocate nothing.
func BenchmarkRecordJSON(b *testing.B) {
	recs := fixtureRecords()
	var buf []byte
	for i := range recs {
		buf = appendRecordJSON(buf, &recs[i])
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i := range recs {
			buf = appendRecordJSON(buf, &recs[i])
		}
	}
}

// TestNoTLSObjectIsTheGeneralOne: the fixed "tls" object written for a
// connection without TLS is what the general encoder writes for it.
func TestNoTLSObjectIsTheGeneralOne(t *testing.T) {
	var r classify.Record
	r.Replies, r.Flags = []classify.Reply{}, []classify.Flag{}
	got := string(appendRecordJSON(nil, &r))
	want := string(appendTLSJSON(nil, &classify.TLS{}))
	if !strings.Contains(got, want) {
		t.Errorf("record without TLS:\n%s\ndoes not hold the general encoding %s", got, want)
	}
}

// TestJSONLinesNormalisesOtherRecords: a record whose times are in
// another zone, or whose lists are nil, is written as its UTC, empty-list
// form (the copy EncodeRecord makes only for such records), and one
// already in that form as itself.
func TestJSONLinesNormalisesOtherRecords(t *testing.T) {
	var j jsonlRenderer
	zone := time.FixedZone("CET", 3600)
	for i, r := range fixtureRecords() {
		u := r // the UTC form, written by hand
		u.Start, u.End = r.Start.UTC(), r.End.UTC()
		u.Replies = slices.Clone(r.Replies)
		for k := range u.Replies {
			u.Replies[k].Time = u.Replies[k].Time.UTC()
		}
		if u.Replies == nil {
			u.Replies = []classify.Reply{}
		}
		if u.Flags == nil {
			u.Flags = []classify.Flag{}
		}
		want := string(j.EncodeRecord(nil, &u))
		if strings.Contains(want, "+01:00") || strings.Contains(want, `"flags":null`) {
			t.Fatalf("record %d in UTC written as %s", i, want)
		}
		z := u // in another zone
		z.Start, z.End = u.Start.In(zone), u.End.In(zone)
		z.Replies = slices.Clone(u.Replies)
		for k := range z.Replies {
			z.Replies[k].Time = z.Replies[k].Time.In(zone)
		}
		n := u // lists nil when empty
		if len(n.Replies) == 0 {
			n.Replies = nil
		}
		if len(n.Flags) == 0 {
			n.Flags = nil
		}
		for name, rec := range map[string]*classify.Record{"in CET": &z, "lists nil": &n} {
			if got := string(j.EncodeRecord(nil, rec)); got != want {
				t.Errorf("record %d %s:\n%s\nwant\n%s", i, name, got, want)
			}
		}
	}
}
