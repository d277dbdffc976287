package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/engine"
	"github.com/esaflow/esaflow/internal/expect"
	"github.com/esaflow/esaflow/report"
)

// CheckOptions are the settings of "esaflow check".
type CheckOptions struct {
	Files   []string
	Expect  string
	JUnit   string
	Init    bool
	GroupBy string
	Quiet   bool
	TrackerOptions
	// changed tells whether a flag was given on the command line (nil:
	// none was).
	changed func(name string) bool
}

func newCheckCmd(stdio IO) *cobra.Command {
	opts := CheckOptions{}
	cmd := &cobra.Command{
		Use:   "check --expect FILE [flags] CAPTURE...",
		Short: "Assert the verdicts of recorded captures (for CI)",
		Long: `Analyse capture files and check them against an expectations file (YAML:
per-host verdicts, per-connection verdicts and outcomes, forbidden verdicts;
see the README). One line per expectation, PASS or FAIL, with the connections
behind each failure.

With --init, write the expectations the captures satisfy today instead.

Exit codes: 0 every expectation holds; 3 one or more fail; 1 a capture could
not be read; 2 usage error or malformed expectations file.`,
		Example: `  esaflow check --expect policy.yaml --junit check.xml testdata/*.pcap
  esaflow check --init gateway.pcap > policy.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("check needs at least one capture file"))
			}
			if opts.Init == (opts.Expect != "") {
				return usageErr(errors.New("check needs exactly one of --expect FILE or --init"))
			}
			opts.Files, opts.changed = args, cmd.Flags().Changed
			return runCheck(cmd.Context(), &opts, stdio)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Expect, "expect", "e", "", "expectations file (YAML)")
	f.StringVar(&opts.JUnit, "junit", "", "also write the results as JUnit XML to this file")
	f.BoolVar(&opts.Init, "init", false, "write the expectations the captures satisfy today, to standard output")
	f.StringVar(&opts.GroupBy, "group-by", "client", "which side is the host: client or server")
	opts.addFlags(cmd)
	addQuietFlag(cmd, &opts.Quiet)
	completeValues(cmd, "group-by", groupByValues...)
	return cmd
}

// collector is a report.Renderer that keeps the records and the hosts.
type collector struct {
	recs []classify.Record
	agg  *report.Aggregator
}

func (c *collector) Connection(r *classify.Record) error {
	c.recs = append(c.recs, r.Clone())
	c.agg.Add(r)
	return nil
}

func (c *collector) Finish(*report.Stats) error { return nil }

// runCheck is the check command without cobra: testable with buffers.
func runCheck(ctx context.Context, opts *CheckOptions, stdio IO) error {
	stdio.quiet = opts.Quiet
	var spec *expect.Spec
	if !opts.Init {
		data, err := readBounded(ctx, opts.Expect, maxExpectBytes)
		if ctx.Err() != nil {
			return silentExit(ExitInterrupted)
		}
		if err != nil {
			return usageErr(fmt.Errorf("--expect: %w", err))
		}
		if spec, err = expect.Parse(opts.Expect, data); err != nil {
			return usageErr(err)
		}
		if err := opts.apply(spec.Options); err != nil {
			return err
		}
	}
	group, err := parseGroupBy(opts.GroupBy)
	if err != nil {
		return err
	}
	eopts, err := opts.engineOptions(stdio)
	if err != nil {
		return err
	}
	// What goes wrong with the inputs also goes to the JUnit file.
	var problems bytes.Buffer
	inputIO := stdio
	inputIO.Err = io.MultiWriter(stdio.Err, &problems)
	sources, failed, err := openSources(opts.Files, inputIO)
	if err != nil {
		return opts.junitError(err, problems.String(), stdio)
	}
	defer closeSources(sources)
	col := &collector{agg: report.NewAggregator(group)}
	st, err := engine.Run(ctx, asSources(sources), opts.joined(col), eopts)
	if err != nil {
		return &exitError{code: ExitOutput, err: err}
	}
	if ctx.Err() != nil {
		return silentExit(ExitInterrupted) // an interrupted check neither passes nor fails
	}
	if failed || len(st.Warnings) > 0 {
		// A damaged capture cannot be trusted to pass or fail.
		for _, w := range st.Warnings {
			fmt.Fprintf(&problems, "esaflow: warning: %s\n", w)
		}
		return opts.junitError(silentExit(ExitInput), problems.String(), stdio)
	}
	if opts.Init {
		if err := expect.WriteInit(stdio.Out, opts.Files, opts.recorded(), col.agg.Hosts()); err != nil {
			return outputErr(err)
		}
		return nil
	}
	results := spec.Check(col.recs, col.agg.Hosts(), group)
	werr := expect.WriteText(stdio.Out, results)
	if werr != nil {
		werr = fmt.Errorf("writing output: %w", werr)
	} else if opts.JUnit != "" {
		if werr = writeJUnit(opts.JUnit, results); werr != nil {
			werr = fmt.Errorf("--junit: %w", werr)
		}
	}
	switch {
	case expect.Failed(results) > 0:
		// A failing expectation is the news, whatever else went wrong.
		if werr != nil {
			fmt.Fprintf(stdio.Err, "esaflow: %v\n", werr)
		}
		return silentExit(ExitCheckFailed)
	case werr != nil:
		return &exitError{code: ExitOutput, err: werr}
	}
	return nil
}

// writeJUnit writes the results as JUnit XML to path.
func writeJUnit(path string, results []expect.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	werr := expect.WriteJUnit(f, "", results)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// maxExpectBytes bounds an expectations file: one is kilobytes of YAML;
// anything past this bound is not one (/dev/zero, a capture given by
// mistake), and reading it whole would only fill memory.
const maxExpectBytes = 4 << 20

// readBounded reads the file name whole, up to limit bytes, and gives up
// when ctx is cancelled even if a read blocks (a FIFO with no writer).
func readBounded(ctx context.Context, name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a file", name)
	}
	defer context.AfterFunc(ctx, func() { f.Close() })()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB: not an expectations file", name, limit>>20)
	}
	return data, nil
}

// optionValue returns the value of the option named name (one of
// expect.OptionNames) as its flag would be written.
func (o *CheckOptions) optionValue(name string) string {
	switch name {
	case "group-by":
		return o.GroupBy
	case "ports":
		return o.Ports
	case "idle-timeout":
		return o.IdleTimeout.String()
	case "max-conns":
		return strconv.Itoa(o.MaxConns)
	case "filter":
		return o.BPF
	}
	return ""
}

// given tells whether the flag name was given on the command line.
func (o *CheckOptions) given(name string) bool { return o.changed != nil && o.changed(name) }

// recorded returns the options --init writes into the expectations: the
// grouping always, the others when given, so that check reads the
// captures as --init did.
func (o *CheckOptions) recorded() map[string]string {
	out := map[string]string{"group-by": o.GroupBy}
	for _, name := range expect.OptionNames {
		if name != "group-by" && o.given(name) {
			out[name] = o.optionValue(name)
		}
	}
	return out
}

// apply takes the options an expectations file records: each one not
// given on the command line is set as if it were; one given with another
// value is a usage error naming both.
func (o *CheckOptions) apply(options map[string]string) error {
	for _, name := range expect.OptionNames {
		v, ok := options[name]
		if !ok {
			continue
		}
		if o.given(name) {
			if cur := o.optionValue(name); cur != v {
				return usageErr(fmt.Errorf("--%s %s, but %s was written for %s: %s; drop --%s or write the expectations again", name, cur, o.Expect, name, v, name))
			}
			continue
		}
		var err error
		switch name {
		case "group-by":
			o.GroupBy = v
		case "ports":
			o.Ports, o.PortsOnly = v, true
		case "idle-timeout":
			o.IdleTimeout, err = time.ParseDuration(v)
		case "max-conns":
			o.MaxConns, err = strconv.Atoi(v)
		case "filter":
			o.BPF = v
		}
		if err != nil {
			return usageErr(fmt.Errorf("%s: options: %s: %w", o.Expect, name, err))
		}
	}
	return nil
}

// junitError writes, with --junit, a JUnit file with one error per line of
// problems (the inputs that could not be read), so that CI shows why the
// check could not be made; it returns err, or an output error when the
// file cannot be written (the input's problem still said on stderr).
func (o *CheckOptions) junitError(err error, problems string, stdio IO) error {
	if o.JUnit == "" || o.Init {
		return err
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(problems), "\n") {
		if l = strings.TrimPrefix(strings.TrimSpace(l), "esaflow: "); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		lines = []string{err.Error()}
	}
	f, cerr := os.Create(o.JUnit)
	if cerr == nil {
		cerr = expect.WriteJUnitError(f, "", lines)
		if e := f.Close(); cerr == nil {
			cerr = e
		}
	}
	if cerr != nil {
		fmt.Fprintf(stdio.Err, "esaflow: --junit: %v\n", cerr)
	}
	return err
}
