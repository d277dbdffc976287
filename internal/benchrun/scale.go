package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
)

// runConcurrent is the conns check: n sessions all open at once (every
// SYN first, then the dialogues, then the teardowns). It prints esaflow's
// time and peak RSS and checks that every connection got the verdict its
// session was generated for.
func runConcurrent(dir, bin string, n, runs int) error {
	path := filepath.Join(dir, fmt.Sprintf("concurrent-%d-gen%d.pcap", n, genVersion))
	out, err := prepare(path, func(w io.Writer) error { return generateConcurrent(w, n) })
	if err != nil {
		return err
	}
	defer out.remove()
	res, err := measure(runs, func() *exec.Cmd { return exec.Command(bin, "analyze", "--format", "jsonl", path) }, out.f)
	if err != nil {
		return fmt.Errorf("esaflow: %w", err)
	}
	t, err := newTable(path, fmt.Sprintf("%d sessions open at once", n))
	if err != nil {
		return err
	}
	t.row(fmt.Sprintf("esaflow analyze -o jsonl (%d open)", n), res, 0)
	jsonl, err := out.bytes()
	if err != nil {
		return err
	}
	return checkEach(jsonl, n)
}

// prepare generates the capture at path with gen unless it is cached, and
// returns the output file for the runs on it.
func prepare(path string, gen func(io.Writer) error) (*output, error) {
	if err := ensureFile(path, gen); err != nil {
		return nil, err
	}
	if err := recache(path); err != nil {
		return nil, err
	}
	return newOutput()
}

// checkEach checks that each of the n generated sessions appears exactly
// once in the JSON Lines output, with the verdict it was generated for,
// and prints the mix.
func checkEach(jsonl []byte, n int) error {
	session := make(map[netip.AddrPort]int, n)
	for i := 0; i < n; i++ {
		cl, _ := sessionClient(i)
		session[netip.AddrPortFrom(cl.Addr, cl.Port)] = i
	}
	seen := make([]bool, n)
	got := map[string]int{}
	wrong := 0
	err := eachRecord(jsonl, func(r *jsonRecord) error {
		i, ok := session[netip.AddrPortFrom(r.Client, r.ClientPort)]
		if !ok || seen[i] {
			return fmt.Errorf("connection from %s:%d was not generated, or is reported twice", r.Client, r.ClientPort)
		}
		seen[i] = true
		l := label(r.Verdict, r.Outcome)
		got[l]++
		if l != expectedLabel(i) {
			wrong++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := compareMix(got, expectedCounts(n)); err != nil {
		return err
	}
	if wrong > 0 {
		return fmt.Errorf("%d connections did not get the verdict they were generated for", wrong)
	}
	fmt.Printf("  each of the %d connections got the verdict it was generated for\n", n)
	return nil
}

// runSYNFlood is the synflood check: syns unanswered SYNs from distinct
// sources, analysed with --max-conns maxConns. Table output grouped by
// server keeps memory to the tracked connections, so its peak RSS must
// stay bounded; its totals line and the JSON statistics must count the
// evictions. JSON output holds every record until the end (it is one
// document), so its RSS is shown for comparison, not bounded.
func runSYNFlood(dir, bin string, syns, maxConns, runs int) error {
	path := filepath.Join(dir, fmt.Sprintf("synflood-%d.pcap", syns))
	out, err := prepare(path, func(w io.Writer) error { return generateSYNFlood(w, syns) })
	if err != nil {
		return err
	}
	defer out.remove()
	args := func(format string) func() *exec.Cmd {
		return func() *exec.Cmd {
			return exec.Command(bin, "analyze", "--format", format, "--group-by", "server", "--max-conns", strconv.Itoa(maxConns), path)
		}
	}
	table, err := measure(runs, args("table"), out.f)
	if err != nil {
		return fmt.Errorf("esaflow: %w", err)
	}
	text, err := out.bytes()
	if err != nil {
		return err
	}
	jsonRes, err := measure(1, args("json"), out.f)
	if err != nil {
		return fmt.Errorf("esaflow: %w", err)
	}
	t, err := newTable(path, fmt.Sprintf("%d unanswered SYNs from distinct sources", syns))
	if err != nil {
		return err
	}
	t.row(fmt.Sprintf("esaflow -o table --max-conns %d", maxConns), table, 0)
	t.row(fmt.Sprintf("esaflow -o json --max-conns %d (1 run)", maxConns), jsonRes, 0)
	fmt.Printf("\n%s", text)
	m := regexp.MustCompile(`, evicted (\d+)\n`).FindSubmatch(text)
	if m == nil {
		return fmt.Errorf("the table's totals line does not mention evictions")
	}
	evicted, err := statsEvicted(out.f.Name())
	if err != nil {
		return err
	}
	want := uint64(syns - maxConns)
	if string(m[1]) != strconv.FormatUint(want, 10) || evicted != want {
		return fmt.Errorf("evicted: table %s, json %d, want %d", m[1], evicted, want)
	}
	fmt.Printf("  evicted %d in the table's totals and the JSON stats, as expected\n", evicted)
	return nil
}

// statsEvicted reads stats.evicted from the JSON document in path. The
// statistics come last, so only the end of a document too large to hold
// in memory twice is read.
func statsEvicted(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	tail := make([]byte, min(st.Size(), 1<<20))
	if _, err := f.ReadAt(tail, st.Size()-int64(len(tail))); err != nil {
		return 0, err
	}
	i := bytes.LastIndex(tail, []byte(`"stats":`))
	if i < 0 {
		return 0, fmt.Errorf("no stats at the end of the JSON output")
	}
	var doc struct {
		Stats struct {
			Evicted *uint64 `json:"evicted"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(append([]byte("{"), tail[i:]...), &doc); err != nil {
		return 0, fmt.Errorf("JSON stats: %w", err)
	}
	if doc.Stats.Evicted == nil {
		return 0, fmt.Errorf("JSON stats have no evicted count")
	}
	return *doc.Stats.Evicted, nil
}
