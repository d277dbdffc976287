// Command benchrun is run by "make bench": it generates (once, cached) a
// large deterministic SMTP capture, then times esaflow analyze on it
// against a floor program that only reads the packets, and prints wall
// time, MB/s, packets/s, peak RSS and the ratio to the floor (medians of
// several runs). It also checks esaflow's verdict mix against the mix the
// generator wrote.
//
// The "mixed" check times esaflow on a capture where nine connections in
// ten are not SMTP (TLS, HTTP, FTP, DNS over TCP) and the tenth is SMTP on
// an unlisted port, beside the all-SMTP capture, and checks that exactly
// the SMTP ones are reported, with their generated labels (mixed.go).
//
// The "memory" check runs every output format on 300,000 and 3,000,000
// short connections from a thousand hosts and fails unless each format's
// peak RSS stays flat (memory.go).
//
// Two scale checks follow (-checks selects which run): "conns" analyses a
// capture whose 100,000 sessions are all open at once and checks every
// connection's verdict; "synflood" analyses 1,000,000 unanswered SYNs
// from distinct sources under --max-conns and checks that it finishes
// with bounded memory and that the evictions show in the statistics.
// "compressed" analyses the throughput capture compressed with gzip, zstd
// and lz4 beside the plain one.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

func main() {
	dir := flag.String("dir", "testdata/bench", "where the capture and binaries are kept")
	sizeMiB := flag.Int64("size", 1024, "capture size in MiB")
	runs := flag.Int("runs", 3, "runs of each program; the median is shown")
	checks := flag.String("checks", "throughput,mixed,conns,synflood,memory,compressed", "which checks to run, comma-separated: throughput, mixed, conns, synflood, memory, compressed")
	conns := flag.Int("conns", 100000, "conns check: sessions open at once")
	syns := flag.Int("syns", 1000000, "synflood check: unanswered SYNs")
	maxConns := flag.Int("max-conns", 100000, "synflood check: esaflow's --max-conns")
	memConns := flag.Int("short", 300000, "memory check: short connections (and ten times as many)")
	floor := flag.String("floor", "", "internal: read FILE as the floor program and exit")
	others := flag.Bool("others", true, "throughput check: also time tshark and tcptrace where installed")
	flag.Parse()
	if *floor != "" {
		n, err := countPackets(*floor)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(n)
		return
	}
	if err := runChecks(*dir, *checks, *sizeMiB, *runs, *conns, *syns, *maxConns, *memConns, *others); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// runChecks builds esaflow and runs the checks named in the comma-separated
// list, in the order given.
func runChecks(dir, list string, sizeMiB int64, runs, conns, syns, maxConns, memConns int, others bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	bin := filepath.Join(dir, "esaflow")
	build := exec.Command("go", "build", "-o", bin, "./cmd/esaflow")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building esaflow: %w", err)
	}
	fmt.Printf("machine: %d cores, %s, %s; medians of %d runs, peak RSS the largest\n", runtime.NumCPU(), cpuModel(), runtime.Version(), runs)
	for _, c := range strings.Split(list, ",") {
		var err error
		switch c {
		case "throughput":
			err = run(dir, bin, sizeMiB, runs, others)
		case "conns":
			err = runConcurrent(dir, bin, conns, runs)
		case "synflood":
			err = runSYNFlood(dir, bin, syns, maxConns, runs)
		case "mixed":
			err = runMixed(dir, bin, sizeMiB, runs)
		case "memory":
			err = runMemory(dir, bin, memConns, runs)
		case "compressed":
			err = runCompressed(dir, bin, sizeMiB, runs)
		default:
			err = fmt.Errorf("unknown check %q (throughput, mixed, conns, synflood, memory, compressed)", c)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
	}
	return nil
}

// countPackets reads every packet with pcapgo's ZeroCopyReadPacketData
// through a 1 MiB buffer, and returns their number: the floor program.
func countPackets(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return 0, err
	}
	var n int64
	for {
		_, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

type result struct {
	wall     time.Duration
	cpu      time.Duration // user and system time, the median
	rss      int64         // KiB
	min, max time.Duration // the fastest and slowest run's wall time
}

// run is the throughput check: esaflow against the floor on the large
// generated capture (with others, tshark and tcptrace too), and the
// verdict mix.
func run(dir, bin string, sizeMiB int64, runs int, others bool) error {
	capPath := filepath.Join(dir, fmt.Sprintf("smtp-%dMiB-gen%d.pcap", sizeMiB, genVersion))
	sessions, err := ensureCapture(capPath, sizeMiB<<20)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	out, err := newOutput()
	if err != nil {
		return err
	}
	defer out.remove()
	if err := recache(capPath); err != nil {
		return err
	}
	// The floor and esaflow take turns, so that both meet the same
	// moments of a shared machine.
	res, err := measureEach(runs, out.f,
		func() *exec.Cmd { return exec.Command(self, "-floor", capPath) },
		func() *exec.Cmd { return exec.Command(bin, "analyze", "--format", "jsonl", capPath) })
	if err != nil {
		return err
	}
	floor, esa := res[0], res[1]
	t, err := newTable(capPath, fmt.Sprintf("%d sessions", sessions))
	if err != nil {
		return err
	}
	jsonl, err := out.bytes()
	if err != nil {
		return err
	}
	t.row("floor (pcapgo read only)", floor, floor.wall)
	t.row("esaflow analyze -o jsonl", esa, floor.wall)
	if others {
		if err := otherTools(t, capPath, floor.wall); err != nil {
			return err
		}
	}
	if runs > 1 {
		// The machine may be shared: the spread tells how far to trust
		// the medians.
		fmt.Printf("\nwall time over %d runs: floor %.2f-%.2fs, esaflow %.2f-%.2fs\n",
			runs, floor.min.Seconds(), floor.max.Seconds(), esa.min.Seconds(), esa.max.Seconds())
	}
	return checkMix(jsonl, sessions)
}

// otherTools times, once each, the tools people use for this today, where
// they are installed: tshark extracting the SMTP reply codes, and tcptrace
// summing up every connection.
func otherTools(t *table, capPath string, floor time.Duration) error {
	tools := []struct {
		name, label string
		args        []string
	}{
		{"tshark", "tshark, SMTP reply codes", []string{"-r", capPath, "-Y", "smtp.response", "-T", "fields", "-e", "smtp.response.code"}},
		{"tcptrace", "tcptrace -n", []string{"-n", capPath}},
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool.name); err != nil {
			continue
		}
		discard, err := newOutput()
		if err != nil {
			return err
		}
		r, err := measure(1, func() *exec.Cmd {
			c := exec.Command(tool.name, tool.args...)
			c.Stderr = io.Discard // tshark warns about running as root
			return c
		}, discard.f)
		discard.remove()
		if err != nil {
			return fmt.Errorf("%s: %w", tool.name, err)
		}
		t.row(tool.label+" (1 run)", r, floor)
	}
	return nil
}

// table prints result rows for one capture.
type table struct {
	mb      float64
	packets int64
}

// newTable prints the capture's heading and the column titles.
func newTable(path, what string) (*table, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	packets, err := countPackets(path)
	if err != nil {
		return nil, err
	}
	t := &table{mb: float64(st.Size()) / 1e6, packets: packets}
	fmt.Printf("\ncapture: %s, %.0f MB, %d packets, %s\n\n", path, t.mb, packets, what)
	fmt.Printf("%-44s %10s %8s %10s %14s %10s %8s\n", "program", "wall", "CPU", "MB/s", "packets/s", "peak RSS", "ratio")
	return t, nil
}

// row prints one program's result; the ratio is to floor (none if zero).
func (t *table) row(name string, r result, floor time.Duration) {
	s := r.wall.Seconds()
	ratio := "-"
	if floor > 0 {
		ratio = fmt.Sprintf("%.2fx", s/floor.Seconds())
	}
	fmt.Printf("%-44s %9.2fs %7.2fs %10.0f %14.0f %7.0f MiB %8s\n", name, s, r.cpu.Seconds(), t.mb/s, float64(t.packets)/s, float64(r.rss)/1024, ratio)
}

// ensureCapture generates the throughput capture unless it is already
// there, and returns its number of sessions.
func ensureCapture(path string, size int64) (int, error) {
	countPath := path + ".sessions"
	if b, err := os.ReadFile(countPath); err == nil {
		var n int
		if _, err := fmt.Sscan(string(b), &n); err == nil {
			if _, err := os.Stat(path); err == nil {
				return n, nil
			}
		}
	}
	var n int
	err := ensureFile(path, func(w io.Writer) (err error) {
		n, err = generate(w, size)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, os.WriteFile(countPath, []byte(fmt.Sprintln(n)), 0o644)
}

// ensureFile writes path with gen unless it is already there; a file cut
// short by an interrupted run is never left under the final name.
func ensureFile(path string, gen func(io.Writer) error) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	fmt.Fprintf(os.Stderr, "generating %s ...\n", path)
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	err = gen(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// The generator's memory would otherwise count in the peak RSS of the
	// programs measured next (see output).
	debug.FreeOSMemory()
	return os.Rename(path+".tmp", path)
}

// output is a temporary file that receives a measured program's stdout:
// a file, not this process's memory, because a child's peak RSS counts
// the parent's pages at fork time (os/exec forks sharing the parent's
// memory), so a big buffer here would inflate it.
type output struct{ f *os.File }

func newOutput() (*output, error) {
	f, err := os.CreateTemp("", "benchrun-out-*")
	if err != nil {
		return nil, err
	}
	return &output{f: f}, nil
}

// bytes returns everything the last run wrote.
func (o *output) bytes() ([]byte, error) { return os.ReadFile(o.f.Name()) }

func (o *output) remove() {
	o.f.Close()
	os.Remove(o.f.Name())
}

// measure runs the command runs times and returns the median wall time
// and the largest peak RSS; each run's stdout replaces the content of tmp.
func measure(runs int, mk func() *exec.Cmd, tmp *os.File) (result, error) {
	res, err := measureEach(runs, tmp, mk)
	if err != nil {
		return result{}, err
	}
	return res[0], nil
}

// measureEach runs each program runs times, taking turns, and returns the
// median wall and CPU times (and the wall time's range) and the largest
// peak RSS of each. Before every run the
// output file is emptied and written back to disk (sync), so that no run
// pays for the write-back of the one before.
func measureEach(runs int, tmp *os.File, mks ...func() *exec.Cmd) ([]result, error) {
	walls := make([][]time.Duration, len(mks))
	cpus := make([][]time.Duration, len(mks))
	res := make([]result, len(mks))
	for i := 0; i < runs; i++ {
		for k, mk := range mks {
			cmd := mk()
			if err := tmp.Truncate(0); err != nil {
				return nil, err
			}
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			syscall.Sync()
			cmd.Stdout = tmp
			if cmd.Stderr == nil {
				cmd.Stderr = os.Stderr
			}
			start := time.Now()
			if err := cmd.Start(); err != nil {
				return nil, fmt.Errorf("%s: %w", cmd.Path, err)
			}
			peak := watchPeakRSS(cmd.Process.Pid)
			if err := cmd.Wait(); err != nil {
				return nil, fmt.Errorf("%s: %w", cmd.Path, err)
			}
			walls[k] = append(walls[k], time.Since(start))
			cpus[k] = append(cpus[k], cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			if kib := peak(); kib > res[k].rss {
				res[k].rss = kib
			}
		}
	}
	for k := range walls {
		res[k].wall, res[k].cpu = median(walls[k]), median(cpus[k])
		res[k].min, res[k].max = walls[k][0], walls[k][len(walls[k])-1]
	}
	return res, nil
}

// median returns the middle of ds (the upper one of an even count),
// sorting ds.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// checkMix compares esaflow's verdicts with the mix the generator wrote.
func checkMix(jsonl []byte, sessions int) error {
	got := map[string]int{}
	err := eachRecord(jsonl, func(r *jsonRecord) error {
		got[label(r.Verdict, r.Outcome)]++
		return nil
	})
	if err != nil {
		return err
	}
	return compareMix(got, expectedCounts(sessions))
}

// jsonRecord is the part of a connection record the checks read.
type jsonRecord struct {
	Client     netip.Addr `json:"client"`
	ClientPort uint16     `json:"client_port"`
	ServerPort uint16     `json:"server_port"`
	Verdict    string     `json:"verdict"`
	Outcome    string     `json:"outcome"`
}

// eachRecord calls f with every record of JSON Lines output.
func eachRecord(jsonl []byte, f func(*jsonRecord) error) error {
	sc := bufio.NewScanner(bytes.NewReader(jsonl))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r jsonRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return err
		}
		if err := f(&r); err != nil {
			return err
		}
	}
	return sc.Err()
}

// compareMix prints the labels generated and found side by side, and
// fails if they differ.
func compareMix(got, want map[string]int) error {
	bad := false
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	fmt.Println()
	for _, k := range keys {
		mark := "ok"
		if got[k] != want[k] {
			mark, bad = "MISMATCH", true
		}
		fmt.Printf("  %-20s generated %8d  labelled %8d  %s\n", k, want[k], got[k], mark)
	}
	if bad {
		return fmt.Errorf("esaflow's verdicts differ from the generated mix")
	}
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if _, v, ok := strings.Cut(l, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}

// watchPeakRSS follows the peak resident set size (VmHWM, KiB) of a
// running process until the function it returns is called, after the
// process ended, which returns the last peak read. The child's rusage
// cannot be used: os/exec starts it as a vfork of this process, and
// Linux carries the parent's high-water mark across the exec into the
// child's ru_maxrss (this process holds generated captures: hundreds of
// MiB), while VmHWM belongs to the memory the exec made. It is read every
// 20 ms: reading it takes the process's memory lock, and at every
// millisecond that slowed the process measured by a tenth. A peak reached
// in the last 20 ms before exit may be missed.
func watchPeakRSS(pid int) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			if b, err := os.ReadFile(path); err == nil {
				if i := bytes.Index(b, []byte("VmHWM:")); i >= 0 {
					var kib int64
					fmt.Sscanf(string(b[i+len("VmHWM:"):]), "%d", &kib)
					if kib > peak.Load() {
						peak.Store(kib)
					}
				}
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}
