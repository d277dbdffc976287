package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esaflow/esaflow/internal/pcaptest"
)

func runEnv(env map[string]string, args ...string) (code exitCode, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errb.String()
}

var timingsLine = regexp.MustCompile(`^esaflow: timings: wall (\d+)ms; reader: read (\d+)ms, decode (\d+)ms; ` +
	`tracker: track (\d+)ms, waiting for a worker (-?\d+)ms, waiting for input (-?\d+)ms, output (\d+)ms; (\d+) workers: classify (\d+)ms\n$`)

// TestTimingsGoToStderrOnlyWhenAsked: ESAFLOW_TIMINGS adds one line to
// stderr, with every stage, and leaves the report as it was.
func TestTimingsGoToStderrOnlyWhenAsked(t *testing.T) {
	path := writeTemp(t, "busy.pcap", pcaptest.Busy(t0, 3000))
	code, plain, errs := runEnv(nil, "analyze", "--format", "jsonl", "--quiet", path)
	if code != 0 || errs != "" {
		t.Fatalf("without ESAFLOW_TIMINGS: exit %d, stderr %q", code, errs)
	}
	code, timed, errs := runEnv(map[string]string{"ESAFLOW_TIMINGS": "1"}, "analyze", "--format", "jsonl", "--quiet", path)
	if code != 0 || timed != plain {
		t.Fatalf("with ESAFLOW_TIMINGS: exit %d, report the same: %v", code, timed == plain)
	}
	m := timingsLine.FindStringSubmatch(errs)
	if m == nil {
		t.Fatalf("stderr %q is not one timings line", errs)
	}
	ms := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
	if ms(8) < 1 || ms(1) < ms(2) || ms(1) < ms(4) {
		t.Errorf("implausible timings: %s", errs)
	}
	if ms(9)+ms(2) == 0 {
		t.Errorf("a run of 3000 sessions timed no reading and no classifying: %s", errs)
	}
}

// TestTimingsSayWhenFilesAreReadInParallel: with files read in parallel
// nothing is timed, and the line says so instead of printing zeros;
// --jobs 1 times the same files.
func TestTimingsSayWhenFilesAreReadInParallel(t *testing.T) {
	// Four captures an hour apart: none overlaps another in time, with
	// room to spare for the linger and the idle timeout, so the plan
	// reads them side by side (recorded captures made one after another
	// may lie closer than that: the rig records them seconds apart).
	var files []string
	for i := range 4 {
		files = append(files, writeTemp(t, fmt.Sprintf("hour%d.pcap", i), pcaptest.Busy(t0.Add(time.Duration(i)*time.Hour), 48)))
	}
	env := map[string]string{"ESAFLOW_TIMINGS": "1"}
	args := append([]string{"analyze", "--quiet", "--idle-timeout", "1s", "--jobs", "2"}, files...)
	if _, _, errs := runEnv(env, args...); errs != "esaflow: timings: not measured when files are read in parallel (--jobs 1 measures them)\n" {
		t.Errorf("--jobs 2: stderr %q", errs)
	}
	args[5] = "1"
	if _, _, errs := runEnv(env, args...); !timingsLine.MatchString(errs) {
		t.Errorf("--jobs 1: stderr %q", errs)
	}
}
