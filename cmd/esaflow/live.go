package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify/tlsdecrypt"
	"github.com/esaflow/esaflow/engine"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

// LiveOptions are the settings of "esaflow live".
type LiveOptions struct {
	Args      []string // positional arguments: live takes none
	Interface string
	Filter    string
	Snaplen   int
	Promisc   bool
	Duration  time.Duration
	Count     int
	Format    string
	Write     string
	GroupBy   string
	Quiet     bool
	TableOptions
	TrackerOptions
	FilterOptions
	// changed tells whether a flag was given on the command line (nil:
	// none was).
	changed func(name string) bool
	// BufferMiB is the kernel ring buffer (0: capture's default).
	// Immediate turns libpcap's immediate mode on; by default packets
	// come in blocks (TPACKET_V3 on Linux), which keeps up at rates where
	// immediate mode drops (docs/live-load.md): see capture.LiveOptions.
	BufferMiB int
	Immediate bool
	// ready, when set, is called once the capture is running (tests).
	ready func()
	// keys is the key log read from --keylog.
	keys *tlsdecrypt.KeyLog
}

func newLiveCmd(stdio IO) *cobra.Command {
	opts := LiveOptions{}
	cmd := &cobra.Command{
		Use:   "live -i INTERFACE [flags]",
		Short: "Give verdicts to SMTP connections as they happen on an interface",
		Long: `Capture SMTP traffic through libpcap and print each connection the moment it is
decided; on Ctrl-C (SIGINT/SIGTERM), --duration or --count, decide the open
connections, print the per-host table and libpcap's statistics (packets
received, dropped by the kernel, dropped by the interface: a verdict is only as
good as the capture).

Needs root or CAP_NET_RAW (sudo setcap cap_net_raw,cap_net_admin=eip $(command -v esaflow))
and libpcap, which esaflow loads when it starts capturing (Debian and Ubuntu:
libpcap0.8; Fedora: libpcap; part of macOS); ESAFLOW_LIBPCAP names a copy the
loader does not find.`,
		Example: `  sudo esaflow live -i eth0
  sudo esaflow live -i any --format jsonl --duration 1h -w gateway.pcap`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args, opts.changed = args, cmd.Flags().Changed
			return runLive(cmd.Context(), &opts, stdio)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Interface, "interface", "i", "", "capture device (any: all of them; esaflow interfaces lists them)")
	f.StringVarP(&opts.Filter, "filter", "f", "", "BPF filter (default: tcp on the --ports)")
	f.IntVar(&opts.Snaplen, "snaplen", 262144, "bytes kept per packet")
	f.BoolVar(&opts.Promisc, "promisc", false, "put the interface in promiscuous mode")
	f.DurationVar(&opts.Duration, "duration", 0, "stop after this long (0: until interrupted)")
	f.IntVar(&opts.Count, "count", 0, "stop after this many decided connections (0: no limit)")
	f.StringVarP(&opts.Format, "format", "o", "table", "output: table or jsonl")
	f.StringVarP(&opts.Write, "write", "w", "", "also save the raw packets to this pcap file")
	f.StringVar(&opts.GroupBy, "group-by", "client", "host side in the final table: client or server")
	f.IntVar(&opts.BufferMiB, "buffer-size", 32, "kernel capture buffer in MiB: raise it if drops are reported")
	f.BoolVar(&opts.Immediate, "immediate", false, "libpcap's immediate mode: each packet handed over at once (Linux TPACKET_V2), verdicts up to 250 ms sooner, but drops from about 200 Mbit/s (docs/live-load.md)")
	opts.addLiveFlags(cmd)
	addQuietFlag(cmd, &opts.Quiet)
	opts.TableOptions.addFlags(cmd)
	opts.FilterOptions.addFlags(cmd)
	completeValues(cmd, "format", report.FormatTable.String(), report.FormatJSONL.String(), report.FormatTransactions.String())
	completeValues(cmd, "group-by", groupByValues...)
	completeInterfaces(cmd)
	return cmd
}

// runLive is the live command without cobra: testable with buffers.
func runLive(ctx context.Context, opts *LiveOptions, stdio IO) error {
	stdio.quiet = opts.Quiet
	if len(opts.Args) > 0 {
		return usageErr(fmt.Errorf("live takes no arguments (got %q); name the interface with -i", opts.Args[0]))
	}
	if opts.Interface == "" {
		return usageErr(errors.New("live needs an interface: -i NAME (esaflow interfaces lists them)"))
	}
	format, err := report.ParseFormat(opts.Format)
	if err != nil || format != report.FormatTable && format != report.FormatJSONL && format != report.FormatTransactions {
		return usageErr(fmt.Errorf("--format: live writes table, jsonl or transactions, not %q", opts.Format))
	}
	if opts.Count < 0 || opts.Duration < 0 || opts.BufferMiB < 0 {
		return usageErr(errors.New("--count, --duration and --buffer-size must not be negative"))
	}
	group, err := parseGroupBy(opts.GroupBy)
	if err != nil {
		return err
	}
	given := func(name string) bool { return opts.changed != nil && opts.changed(name) }
	if err := refuseTableFlags(format, given); err != nil {
		return err
	}
	if format != report.FormatTable && given("group-by") {
		return usageErr(fmt.Errorf("--group-by shapes live's final per-host table of --format table; --format %s has none (drop --group-by)", format))
	}
	cfg, err := opts.config()
	if err != nil {
		return err
	}
	flt, err := opts.filter()
	if err != nil {
		return err
	}
	if opts.keys, err = opts.keyLog(stdio); err != nil {
		return err
	}
	if len(opts.MailLogs) > 0 {
		// The log would be read once, before the connections it is to
		// be joined to are logged: nothing would ever match.
		return usageErr(errors.New("--maillog joins a log to a capture already made: record with live -w FILE, then esaflow analyze --maillog LOG FILE"))
	}
	if opts.Filter == "" {
		opts.Filter = defaultFilter(opts.Ports)
	}
	src, save, err := openLive(opts)
	if err != nil {
		return err
	}
	ropts := report.Options{Format: format, GroupBy: group}
	opts.TableOptions.apply(&ropts, stdio)
	err = captureLive(ctx, opts, src, cfg, report.NewLive(stdio.Out, ropts), flt, stdio)
	cerr := src.Close()
	if save != nil {
		cerr = errors.Join(cerr, save.Close())
	}
	if cerr != nil && err == nil {
		err = &exitError{code: ExitInput, err: fmt.Errorf("-w %s: %w", opts.Write, cerr)}
	}
	return err
}

// captureLive runs an open capture through the engine into rend, then
// prints libpcap's statistics.
func captureLive(ctx context.Context, opts *LiveOptions, src *capture.Live, cfg flow.Config, rend *report.Live, flt *report.Filter, stdio IO) error {
	fmt.Fprintf(stdio.notes(), "esaflow: capturing on %s (%s); Ctrl-C to stop\n", opts.Interface, opts.Filter)
	if err := rend.Start(); err != nil {
		return outputErr(err)
	}
	if opts.ready != nil {
		opts.ready()
	}
	in := newLiveInput(ctx, opts, src, rend, stdio)
	if opts.keys != nil {
		follow, stop := context.WithCancel(ctx)
		defer stop()
		go followKeyLogs(follow, opts.KeyLogs, opts.keyOffsets, opts.keys, keyLogFollowInterval)
	}
	// The capture ends (io.EOF) on a signal, at --duration or --count: a
	// normal end for live, so the engine's context is never cancelled.
	st, err := engine.Run(context.WithoutCancel(ctx), []capture.Source{in}, opts.joined(flt.Renderer(rend)),
		engine.Options{Flow: cfg, Warnings: stdio.Err, Clock: time.Now, KeyLog: opts.keys})
	if err != nil {
		return &exitError{code: ExitOutput, err: err}
	}
	format, _ := report.ParseFormat(opts.Format)
	printLiveStats(src, format == report.FormatTable, stdio)
	if len(st.Warnings) > 0 {
		return silentExit(ExitInput)
	}
	if ctx.Err() != nil {
		return silentExit(ExitInterrupted) // the report is whole; the code says how it ended
	}
	return nil
}

// openLive opens the capture and, with -w, the file its copy goes to; the
// caller closes both, the capture first. Interface and filter errors are
// usage errors.
func openLive(opts *LiveOptions) (src *capture.Live, save *os.File, err error) {
	lo := capture.LiveOptions{Interface: opts.Interface, Filter: opts.Filter, Snaplen: opts.Snaplen, Promisc: opts.Promisc,
		BufferSize: opts.BufferMiB << 20, Batched: !opts.Immediate}
	if opts.Write != "" {
		if save, err = os.Create(opts.Write); err != nil {
			return nil, nil, &exitError{code: ExitInput, err: fmt.Errorf("-w: %w", err)}
		}
		lo.Save = save
	}
	src, err = capture.OpenLive(lo)
	if err != nil {
		if save != nil {
			save.Close()
			os.Remove(save.Name()) // nothing was captured: leave no empty file
		}
		code := ExitInput
		if errors.Is(err, capture.ErrFilter) || errors.Is(err, capture.ErrNoInterface) {
			code = ExitUsage
		}
		return nil, nil, &exitError{code: code, err: err}
	}
	return src, save, nil
}

// liveInput is the capture as the engine reads it: it ends (io.EOF) when
// ctx is cancelled, the --duration has passed or --count connections are
// decided, and reports libpcap's drops each second (dropWatch). Closing
// it leaves the capture open: the command closes that.
type liveInput struct {
	ctx      context.Context
	src      *capture.Live
	rend     *report.Live
	count    int
	deadline time.Time
	drops    dropWatch
	stdio    IO
}

func newLiveInput(ctx context.Context, opts *LiveOptions, src *capture.Live, rend *report.Live, stdio IO) *liveInput {
	in := &liveInput{ctx: ctx, src: src, rend: rend, count: opts.Count, stdio: stdio,
		drops: dropWatch{next: time.Now().Add(time.Second)}}
	if opts.Duration > 0 {
		in.deadline = time.Now().Add(opts.Duration)
	}
	return in
}

// Next implements capture.Source.
func (in *liveInput) Next(p *capture.Packet) error {
	now := time.Now()
	if in.ctx.Err() != nil || in.count > 0 && in.rend.Decided() >= in.count ||
		!in.deadline.IsZero() && !now.Before(in.deadline) {
		return io.EOF
	}
	in.drops.check(in.src, now, in.stdio)
	return in.src.Next(p)
}

// Close implements capture.Source; the capture stays open.
func (in *liveInput) Close() error { return nil }

// printLiveStats prints libpcap's counters to stderr and, for the table
// format, at the end of the output too.
func printLiveStats(src *capture.Live, toOut bool, stdio IO) {
	st, err := src.Stats()
	if err != nil {
		fmt.Fprintf(stdio.Err, "esaflow: libpcap statistics unavailable: %v\n", err)
		return
	}
	line := fmt.Sprintf("libpcap: %d packets received, %d dropped by the kernel, %d dropped by the interface\n",
		st.Received, st.KernelDropped, st.InterfaceDropped)
	fmt.Fprint(stdio.Err, line)
	if toOut {
		fmt.Fprint(stdio.Out, line)
	}
}

// dropWatch reports libpcap's drops on stderr the moment they happen:
// each second, the counters are read, and any growth is a warning that
// the connections open now may be judged on missing packets.
type dropWatch struct {
	next          time.Time
	kernel, iface int
}

func (d *dropWatch) check(src *capture.Live, now time.Time, stdio IO) {
	if now.Before(d.next) {
		return
	}
	d.next = now.Add(time.Second)
	st, err := src.Stats()
	if err != nil {
		return
	}
	if k, i := st.KernelDropped-d.kernel, st.InterfaceDropped-d.iface; k > 0 || i > 0 {
		fmt.Fprintf(stdio.Err, "esaflow: warning: %s: %d packets dropped by the kernel, %d by the interface in the last second; verdicts of the connections open now may rest on missing packets (raise --buffer-size, or narrow -f)\n",
			now.UTC().Format("15:04:05"), k, i)
	}
	d.kernel, d.iface = st.KernelDropped, st.InterfaceDropped
}
