package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/engine"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

// AnalyzeOptions are the settings of "esaflow analyze".
type AnalyzeOptions struct {
	Files   []string
	Format  string
	GroupBy string
	Flows   bool
	// MaxHosts bounds the hosts the table and JSON keep apart (0: all).
	MaxHosts int
	TrackerOptions
	FilterOptions
	// Jobs is the most files read at once (1: one after another, 0: one
	// per CPU); the report is the same either way.
	Jobs int
	// Quiet silences the progress line and other notes on stderr, but
	// never warnings about damaged input.
	Quiet bool
	TableOptions
	// changed tells whether a flag was given on the command line (nil:
	// none was).
	changed func(name string) bool
}

func newAnalyzeCmd(stdio IO) *cobra.Command {
	opts := AnalyzeOptions{}
	cmd := &cobra.Command{
		Use:   "analyze [flags] FILE... (- for standard input)",
		Short: "Give each SMTP connection and host in capture files a verdict",
		Long: `Read one or more capture files (pcap or pcapng, plain or compressed with gzip,
zstd or lz4, recognised by content; a directory is the captures in it; "-"
reads standard input) as one capture on one timeline, whatever their order,
and print per-host verdicts (and with --flows, per-connection ones).

Verdicts: ACCEPT, REJECT, TEMPFAIL, TCPREFUSE, SILENT_CLOSE, PORT_CLOSED,
NO_ANSWER, ABANDONED, INCOMPLETE, NOT_SMTP; docs/verdicts.md gives the packet
signature of each.

Exit codes: 0 analysed; 1 some input could not be analysed (not a capture,
unsupported link type, truncated or corrupt: what could be decided is still
printed); 2 usage error; 4 the report could not be written; 130 interrupted
(the report covers what was read).`,
		Example: `  esaflow analyze capture.pcap
  esaflow analyze --flows rotated-*.pcap.gz
  tcpdump -r big.pcap -w - 'port 25' | esaflow analyze --format jsonl -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("analyze needs at least one capture file (or - for standard input)"))
			}
			opts.Files, opts.changed = args, cmd.Flags().Changed
			return runAnalyze(cmd.Context(), &opts, stdio)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Format, "format", "o", "table", "output format: table, json, jsonl, csv, or transactions (a JSON line per mail transaction)")
	f.StringVar(&opts.GroupBy, "group-by", "client", "which side is the host in the per-host table: client (inbound mail) or server (outbound delivery)")
	f.BoolVar(&opts.Flows, "flows", false, "table format: also print one row per connection (at most 100000; csv and jsonl list all)")
	f.IntVar(&opts.MaxHosts, "max-hosts", report.DefaultMaxHosts, "table and json: most hosts kept apart; the connections of later ones share one \"(more hosts)\" row (0: no bound)")
	f.IntVarP(&opts.Jobs, "jobs", "j", 0, "most files read at once, where that cannot change the report (1: one after another, 0: one per CPU)")
	addQuietFlag(cmd, &opts.Quiet)
	opts.TableOptions.addFlags(cmd)
	opts.TrackerOptions.addFlags(cmd)
	opts.FilterOptions.addFlags(cmd)
	completeValues(cmd, "format", report.FormatNames()...)
	completeValues(cmd, "group-by", groupByValues...)
	return cmd
}

// runAnalyze is the analyze command without cobra: testable with buffers.
func runAnalyze(ctx context.Context, opts *AnalyzeOptions, stdio IO) error {
	stdio.quiet = opts.Quiet
	format, err := report.ParseFormat(opts.Format)
	if err != nil {
		return usageErr(fmt.Errorf("--format: %w", err))
	}
	group, err := parseGroupBy(opts.GroupBy)
	if err != nil {
		return err
	}
	if err := refuseIgnored(format, opts.Flows, opts.changed); err != nil {
		return err
	}
	eopts, err := opts.engineOptions(stdio)
	if err != nil {
		return err
	}
	flt, err := opts.filter()
	if err != nil {
		return err
	}
	if opts.MaxHosts < 0 {
		return usageErr(errors.New("--max-hosts must not be negative"))
	}
	jobs := opts.Jobs
	if jobs < 0 {
		return usageErr(errors.New("--jobs must not be negative"))
	} else if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	sources, failed, err := openSources(opts.Files, stdio)
	if err != nil {
		return err
	}
	defer closeSources(sources)

	out := bufio.NewWriterSize(stdio.Out, 64<<10)
	ropts := report.Options{Format: format, GroupBy: group, Flows: opts.Flows, MaxHosts: opts.MaxHosts}
	opts.TableOptions.apply(&ropts, stdio)
	rend := report.New(out, ropts)
	prog := newProgress(stdio, opts.Quiet, sourceSizes(sources))
	eopts.Jobs = jobs
	if prog != nil {
		eopts.Progress, eopts.Warnings = prog, prog.stderr(stdio.Err)
	}
	if stdio.Getenv != nil && stdio.Getenv("ESAFLOW_TIMINGS") != "" {
		// A developer's aid: how long each stage of the run was busy.
		eopts.Timings, eopts.Clock = stdio.Err, stdio.now
	}
	st, err := engine.Run(ctx, asSources(sources), opts.joined(flt.Renderer(rend)), eopts)
	prog.Done()
	if err != nil {
		return &exitError{code: ExitOutput, err: err}
	}
	if err := out.Flush(); err != nil {
		return outputErr(err)
	}
	if ctx.Err() != nil {
		return silentExit(ExitInterrupted)
	}
	if failed || len(st.Warnings) > 0 {
		return silentExit(ExitInput)
	}
	return nil
}

// engineOptions are the engine settings every command that reads capture
// files shares: the tracking o sets, -f's frame filter, classification on
// one worker per core, warnings to stderr. Errors are usage errors.
func (o *TrackerOptions) engineOptions(stdio IO) (engine.Options, error) {
	cfg, err := o.config()
	if err != nil {
		return engine.Options{}, err
	}
	match, err := o.match()
	if err != nil {
		return engine.Options{}, err
	}
	keys, err := o.keyLog(stdio)
	if err != nil {
		return engine.Options{}, err
	}
	if o.log, err = o.mailLog(); err != nil {
		return engine.Options{}, err
	}
	return engine.Options{Flow: cfg, Match: match, Workers: runtime.GOMAXPROCS(0), Warnings: stdio.Err, KeyLog: keys}, nil
}

// asSources returns files as engine sources.
func asSources(files []*capture.File) []capture.Source {
	sources := make([]capture.Source, len(files))
	for i, f := range files {
		sources[i] = f
	}
	return sources
}

// openSources opens every input first, so that a wrong name fails before
// any output. Files that cannot be opened are reported on stderr and
// counted in failed; when none can, the error carries ExitInput.
func openSources(files []string, stdio IO) (sources []*capture.File, failed bool, err error) {
	stdins := 0
	for _, name := range files {
		if name == "-" {
			stdins++
		}
	}
	if stdins > 1 {
		return nil, false, usageErr(errors.New("standard input (-) can be read only once"))
	}
	for _, name := range files {
		if st, err := os.Stat(name); name != "-" && err == nil && st.IsDir() {
			dir, dirFailed := openDir(name, stdio)
			sources, failed = append(sources, dir...), failed || dirFailed
			continue
		}
		src, err := capture.Open(name, stdio.In)
		if err != nil {
			fmt.Fprintf(stdio.Err, "esaflow: %v\n", err)
			failed = true
			continue
		}
		sources = append(sources, src)
	}
	if len(sources) == 0 {
		return nil, true, silentExit(ExitInput)
	}
	return sources, failed, nil
}

// openDir opens the captures in the directory dir, one rotated set (the
// engine reads them in time order): every regular file whose name does
// not start with a dot, recognised by its content. A file that is not a
// capture (a README, an expectations file) is left out with a note; one
// that cannot be read is an error; a directory without a capture is one
// too.
func openDir(dir string, stdio IO) (sources []*capture.File, failed bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintf(stdio.Err, "esaflow: %v\n", err)
		return nil, true
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		src, err := capture.Open(name, nil)
		switch {
		case errors.Is(err, capture.ErrNotCapture):
			fmt.Fprintf(stdio.notes(), "esaflow: note: %s is not a capture; left out\n", name)
		case err != nil:
			fmt.Fprintf(stdio.Err, "esaflow: %v\n", err)
			failed = true
		default:
			sources = append(sources, src)
		}
	}
	if len(sources) == 0 && !failed {
		fmt.Fprintf(stdio.Err, "esaflow: %s: no capture file in the directory\n", dir)
		failed = true
	}
	return sources, failed
}

func closeSources(sources []*capture.File) {
	for _, s := range sources {
		s.Close()
	}
}

// sourceSizes returns the size of each source's file, -1 for standard
// input or when it is unknown.
func sourceSizes(sources []*capture.File) []int64 {
	sizes := make([]int64, len(sources))
	for i, s := range sources {
		sizes[i] = -1
		if s.Name() == "-" {
			continue
		}
		if st, err := os.Stat(s.Name()); err == nil && st.Mode().IsRegular() {
			sizes[i] = st.Size()
		}
	}
	return sizes
}

// parseGroupBy parses --group-by; an error is a usage error.
func parseGroupBy(groupBy string) (report.GroupBy, error) {
	group, err := report.ParseGroupBy(groupBy)
	if err != nil {
		return 0, usageErr(fmt.Errorf("--group-by: %w", err))
	}
	return group, nil
}

// refuseIgnored refuses flags the chosen output format would ignore: a
// flag that does nothing is a mistake the user should hear about, naming
// both flags. changed (nil: nothing given) tells which flags were given.
func refuseIgnored(format report.Format, flows bool, changed func(string) bool) error {
	given := func(name string) bool { return changed != nil && changed(name) }
	perConnection := format == report.FormatJSONL || format == report.FormatCSV || format == report.FormatTransactions
	if err := refuseTableFlags(format, given); err != nil {
		return err
	}
	switch {
	case flows && format != report.FormatTable:
		return usageErr(fmt.Errorf("--flows adds the per-connection table to --format table; --format %s lists every connection already (drop --flows)", format))
	case perConnection && given("group-by"):
		return usageErr(fmt.Errorf("--group-by shapes the per-host table of --format table and json; --format %s has none (drop --group-by)", format))
	case perConnection && given("max-hosts"):
		return usageErr(fmt.Errorf("--max-hosts bounds the per-host table of --format table and json; --format %s has none (drop --max-hosts)", format))
	}
	return nil
}

// parsePorts parses --ports; an error is a usage error.
func parsePorts(portList string) (flow.Ports, error) {
	ports, err := flow.ParsePorts(portList)
	if err != nil {
		return flow.Ports{}, usageErr(fmt.Errorf("--ports: %w", err))
	}
	return ports, nil
}
