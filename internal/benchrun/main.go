// Command benchrun is run by "make bench": it generates (once, cached) a
// large deterministic SMTP capture, then times esaflow analyze on it
// against a floor program that only reads the packets, and prints wall
// time, MB/s, packets/s, peak RSS and the ratio to the floor (medians of
// several runs). It also checks esaflow's verdict mix against the mix the
// generator wrote.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

func main() {
	dir := flag.String("dir", "testdata/bench", "where the capture and binaries are kept")
	sizeMiB := flag.Int64("size", 1024, "capture size in MiB")
	runs := flag.Int("runs", 3, "runs of each program; the median is shown")
	floor := flag.String("floor", "", "internal: read FILE as the floor program and exit")
	flag.Parse()
	if *floor != "" {
		if err := readFloor(*floor); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := run(*dir, *sizeMiB, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// readFloor reads every packet with pcapgo's ZeroCopyReadPacketData
// through a 1 MiB buffer, and prints the count.
func readFloor(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return err
	}
	var n, bytes int
	for {
		data, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n++
		bytes += len(data)
	}
	fmt.Println(n, bytes)
	return nil
}

type result struct {
	wall time.Duration
	rss  int64 // KiB
}

func run(dir string, sizeMiB int64, runs int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	capPath := filepath.Join(dir, fmt.Sprintf("smtp-%dMiB.pcap", sizeMiB))
	sessions, err := ensureCapture(capPath, sizeMiB<<20)
	if err != nil {
		return err
	}
	st, err := os.Stat(capPath)
	if err != nil {
		return err
	}
	bin := filepath.Join(dir, "esaflow")
	build := exec.Command("go", "build", "-o", bin, "./cmd/esaflow")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building esaflow: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var floorOut bytes.Buffer
	floor, err := measure(runs, func() *exec.Cmd { return exec.Command(self, "-floor", capPath) }, &floorOut)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	var packets int64
	fmt.Sscan(floorOut.String(), &packets)
	var jsonl bytes.Buffer
	esa, err := measure(runs, func() *exec.Cmd { return exec.Command(bin, "analyze", "--format", "jsonl", capPath) }, &jsonl)
	if err != nil {
		return fmt.Errorf("esaflow: %w", err)
	}

	mb := float64(st.Size()) / 1e6
	fmt.Printf("capture: %s, %.0f MB, %d packets, %d sessions\n", capPath, mb, packets, sessions)
	fmt.Printf("machine: %d cores, %s, %s; medians of %d runs\n\n", runtime.NumCPU(), cpuModel(), runtime.Version(), runs)
	fmt.Printf("%-28s %10s %10s %14s %10s %8s\n", "program", "wall", "MB/s", "packets/s", "peak RSS", "ratio")
	for _, r := range []struct {
		name string
		res  result
	}{{"floor (pcapgo read only)", floor}, {"esaflow analyze -o jsonl", esa}} {
		s := r.res.wall.Seconds()
		fmt.Printf("%-28s %9.2fs %10.0f %14.0f %7.0f MiB %7.2fx\n", r.name, s, mb/s, float64(packets)/s,
			float64(r.res.rss)/1024, s/floor.wall.Seconds())
	}
	return checkMix(jsonl.Bytes(), sessions)
}

// ensureCapture generates the capture unless it is already there.
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
	fmt.Fprintf(os.Stderr, "generating %s ...\n", path)
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return 0, err
	}
	n, err := generate(f, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return 0, err
	}
	return n, os.WriteFile(countPath, []byte(fmt.Sprintln(n)), 0o644)
}

// measure runs the command runs times and returns the median wall time
// and the largest peak RSS; the last run's stdout goes to out. Output goes
// through a file, not this process's memory: a child's peak RSS counts the
// parent's pages at fork time, so a big buffer here would inflate it.
func measure(runs int, mk func() *exec.Cmd, out *bytes.Buffer) (result, error) {
	var walls []time.Duration
	var rss int64
	tmp, err := os.CreateTemp("", "benchrun-out-*")
	if err != nil {
		return result{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	for i := 0; i < runs; i++ {
		cmd := mk()
		if err := tmp.Truncate(0); err != nil {
			return result{}, err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return result{}, err
		}
		cmd.Stdout = tmp
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return result{}, err
		}
		walls = append(walls, time.Since(start))
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > rss {
			rss = ru.Maxrss
		}
	}
	out.Reset()
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return result{}, err
	}
	if _, err := io.Copy(out, tmp); err != nil {
		return result{}, err
	}
	sort.Slice(walls, func(a, b int) bool { return walls[a] < walls[b] })
	return result{wall: walls[len(walls)/2], rss: rss}, nil
}

// checkMix compares esaflow's verdicts with the mix the generator wrote.
func checkMix(jsonl []byte, sessions int) error {
	got := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(jsonl))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct{ Verdict, Outcome string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return err
		}
		got[label(r.Verdict, r.Outcome)]++
	}
	want := expectedCounts(sessions)
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
