package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

// LiveOptions are the settings of "esaflow live".
type LiveOptions struct {
	Interface   string
	Filter      string
	Snaplen     int
	Promisc     bool
	Duration    time.Duration
	Count       int
	Format      string
	Write       string
	GroupBy     string
	Ports       string
	IdleTimeout time.Duration
	// ready, when set, is called once the capture is running (tests).
	ready func()
}

func newLiveCmd(stdio IO) *cobra.Command {
	opts := LiveOptions{}
	cmd := &cobra.Command{
		Use:   "live -i INTERFACE [flags]",
		Short: "Give verdicts to SMTP connections as they happen on an interface",
		Long: `Capture SMTP traffic through libpcap and print each connection the moment it is
decided; on Ctrl-C (SIGINT/SIGTERM), --duration or --count, print the per-host
table and libpcap's statistics (packets received, dropped by the kernel, dropped
by the interface: a verdict is only as good as the capture).

Needs root or CAP_NET_RAW (sudo setcap cap_net_raw,cap_net_admin=eip $(command -v esaflow))
and a build with cgo and libpcap.`,
		Example: `  sudo esaflow live -i eth0
  sudo esaflow live -i any --format jsonl --duration 1h -w gateway.pcap`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr(fmt.Errorf("live takes no arguments (got %q); name the interface with -i", args[0]))
			}
			if opts.Interface == "" {
				return usageErr(errors.New("live needs an interface: -i NAME (esaflow interfaces lists them)"))
			}
			return runLive(cmd.Context(), &opts, stdio)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Interface, "interface", "i", "", "capture device (any: all of them)")
	f.StringVarP(&opts.Filter, "filter", "f", "", "BPF filter (default: tcp on the --ports)")
	f.IntVar(&opts.Snaplen, "snaplen", 262144, "bytes kept per packet")
	f.BoolVar(&opts.Promisc, "promisc", false, "put the interface in promiscuous mode")
	f.DurationVar(&opts.Duration, "duration", 0, "stop after this long (0: until interrupted)")
	f.IntVar(&opts.Count, "count", 0, "stop after this many decided connections (0: no limit)")
	f.StringVarP(&opts.Format, "format", "o", "table", "output: table or jsonl")
	f.StringVarP(&opts.Write, "write", "w", "", "also save the raw packets to this pcap file")
	f.StringVar(&opts.GroupBy, "group-by", "client", "host side in the final table: client or server")
	f.StringVar(&opts.Ports, "ports", flow.DefaultPorts, "SMTP server ports, comma-separated, ranges allowed")
	f.DurationVar(&opts.IdleTimeout, "idle-timeout", 5*time.Minute, "decide a connection after this long without packets")
	return cmd
}

// defaultFilter builds "tcp and (port 25 or port 587 ...)" from a port list.
func defaultFilter(ports string) string {
	var parts []string
	for _, f := range strings.Split(ports, ",") {
		f = strings.TrimSpace(f)
		if lo, hi, ok := strings.Cut(f, "-"); ok {
			parts = append(parts, "portrange "+lo+"-"+hi)
		} else if f != "" {
			parts = append(parts, "port "+f)
		}
	}
	return "tcp and (" + strings.Join(parts, " or ") + ")"
}

// liveRenderer prints each decided connection at once and feeds the final
// per-host table.
type liveRenderer struct {
	w       io.Writer
	jsonl   report.Renderer
	hosts   report.Renderer
	decided int
	header  bool
}

func (l *liveRenderer) Connection(r *classify.Record) error {
	l.decided++
	if err := l.hosts.Connection(r); err != nil {
		return err
	}
	if l.jsonl != nil {
		return l.jsonl.Connection(r)
	}
	if !l.header {
		l.header = true
		if _, err := fmt.Fprintf(l.w, "%-26s  %-40s  %-22s  %-12s  %-18s  %s\n", "END", "CLIENT", "SERVER", "VERDICT", "OUTCOME", "BANNER / REASON"); err != nil {
			return err
		}
	}
	what := r.Reason
	if r.BannerCode != 0 {
		what = fmt.Sprintf("%d %s", r.BannerCode, r.Banner)
	}
	_, err := fmt.Fprintf(l.w, "%-26s  %-40s  %-22s  %-12s  %-18s  %s\n", r.End.UTC().Format("2006-01-02 15:04:05.000000"),
		netip.AddrPortFrom(r.Client, r.ClientPort), netip.AddrPortFrom(r.Server, r.ServerPort), r.Verdict, r.Outcome, what)
	return err
}

func (l *liveRenderer) Finish(st *report.Stats) error {
	if l.jsonl != nil {
		return nil
	}
	if l.header {
		fmt.Fprintln(l.w)
	}
	return l.hosts.Finish(st)
}

// runLive is the live command without cobra: testable with buffers.
func runLive(ctx context.Context, opts *LiveOptions, stdio IO) error {
	if opts.Format != "table" && opts.Format != "jsonl" {
		return usageErr(fmt.Errorf("live --format must be table or jsonl, not %q", opts.Format))
	}
	group, ports, err := parseGroupAndPorts(opts.GroupBy, opts.Ports)
	if err != nil {
		return err
	}
	if opts.Filter == "" {
		opts.Filter = defaultFilter(opts.Ports)
	}
	lo := capture.LiveOptions{Interface: opts.Interface, Filter: opts.Filter, Snaplen: opts.Snaplen, Promisc: opts.Promisc}
	var saveFile *os.File
	if opts.Write != "" {
		if saveFile, err = os.Create(opts.Write); err != nil {
			return &exitError{code: ExitInput, err: fmt.Errorf("-w: %w", err)}
		}
		defer saveFile.Close()
		lo.Save = saveFile
	}
	src, err := capture.OpenLive(lo)
	if err != nil {
		code := ExitInput
		if errors.Is(err, capture.ErrFilter) || errors.Is(err, capture.ErrNoInterface) {
			code = ExitUsage
		}
		return &exitError{code: code, err: err}
	}
	defer src.Close()

	rend := &liveRenderer{w: stdio.Out, hosts: report.New(stdio.Out, report.Options{Format: report.FormatTable, GroupBy: group})}
	if opts.Format == "jsonl" {
		rend.jsonl = report.New(stdio.Out, report.Options{Format: report.FormatJSONL})
	}
	p := newPipeline(flow.Config{Ports: ports, IdleTimeout: opts.IdleTimeout}, rend)
	if opts.ready != nil {
		opts.ready()
	}
	var deadline time.Time
	if opts.Duration > 0 {
		deadline = time.Now().Add(opts.Duration)
	}
	var pkt capture.Packet
	for ctx.Err() == nil && (opts.Count == 0 || rend.decided < opts.Count) {
		if !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
		err := src.Next(&pkt)
		if errors.Is(err, capture.ErrTimeout) {
			p.tracker.Advance(time.Now()) // live: packet time is wall time
			continue
		}
		if err != nil {
			p.warn(stdio.Err, err.Error())
			break
		}
		p.countTime(pkt.Time)
		p.tracker.Packet(&pkt)
	}
	if err := p.finish(); err != nil {
		return err
	}
	if st, err := src.Stats(); err == nil {
		line := fmt.Sprintf("libpcap: %d packets received, %d dropped by the kernel, %d dropped by the interface\n",
			st.Received, st.KernelDropped, st.InterfaceDropped)
		fmt.Fprint(stdio.Err, line)
		if opts.Format == "table" {
			fmt.Fprint(stdio.Out, line)
		}
	}
	if p.err != nil {
		return p.err
	}
	return nil
}
