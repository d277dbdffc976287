package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/engine"
	"github.com/esaflow/esaflow/flow"
	"github.com/esaflow/esaflow/report"
)

// showDefaultLimit is how many connections show draws when none is
// selected.
const showDefaultLimit = 20

// ShowOptions are the settings of "esaflow show".
type ShowOptions struct {
	Files   []string
	Hosts   []string
	Conns   []string
	NoColor bool
	TrackerOptions
}

func newShowCmd(stdio IO) *cobra.Command {
	opts := ShowOptions{}
	cmd := &cobra.Command{
		Use:   "show [flags] CAPTURE... (- for standard input)",
		Short: "Draw SMTP connections as packet ladders",
		Long: `Draw each selected connection of the captures as a packet ladder, the way the
Cisco articles draw REJECT and TCPREFUSE: one arrow per packet between the
remote MTA (the client) and the gateway (the server), named by its TCP flags
or by what it carries (a command, a reply, message body, TLS records), then
the verdict and how it was decided.

Connections are numbered as "esaflow analyze --flows" numbers them for the
same files and flags. --conn and --host select (both repeatable); without
them the first 20 connections are drawn.

Colours are used only on a terminal, and never with --no-color or when the
NO_COLOR environment variable is set.

Exit codes: 0 drawn; 1 some input could not be read; 2 usage error, or a
selector that matches no connection.`,
		Example: `  esaflow show capture.pcap
  esaflow show --conn 3 --conn 7 capture.pcap
  esaflow show --host 203.0.113.7 rotated-*.pcap.gz`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("show needs at least one capture file (or - for standard input)"))
			}
			opts.Files = args
			return runShow(cmd.Context(), &opts, stdio)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.Hosts, "host", nil, "draw the connections from or to this address (repeatable)")
	f.StringSliceVar(&opts.Conns, "conn", nil, "draw the connection with this ID, as analyze --flows shows it (repeatable)")
	f.BoolVar(&opts.NoColor, "no-color", false, "never use colours")
	opts.addFlags(cmd)
	return cmd
}

// showSelector is the parsed --host and --conn flags.
type showSelector struct {
	hosts []netip.Addr
	ids   []uint64
}

func parseShowSelector(opts *ShowOptions) (showSelector, error) {
	var sel showSelector
	for _, h := range opts.Hosts {
		a, err := netip.ParseAddr(strings.TrimSpace(h))
		if err != nil {
			return sel, usageErr(fmt.Errorf("--host %q: not an IP address", h))
		}
		sel.hosts = append(sel.hosts, a.Unmap())
	}
	for _, c := range opts.Conns {
		id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(c), "#"), 10, 64)
		if err != nil || id == 0 {
			return sel, usageErr(fmt.Errorf("--conn %q: not a connection ID (a number from 1, as analyze --flows shows)", c))
		}
		sel.ids = append(sel.ids, id)
	}
	return sel, nil
}

// pick returns the records sel selects, in ID order, or a usage error
// naming the selectors that match no connection.
func (sel showSelector) pick(recs []classify.Record) ([]*classify.Record, error) {
	var picked []*classify.Record
	hostHit := make([]bool, len(sel.hosts))
	idHit := make([]bool, len(sel.ids))
	for i := range recs {
		r := &recs[i]
		hit := false
		for j, h := range sel.hosts {
			if r.Client.Unmap() == h || r.Server.Unmap() == h {
				hostHit[j], hit = true, true
			}
		}
		for j, id := range sel.ids {
			if r.ID == id {
				idHit[j], hit = true, true
			}
		}
		if hit {
			picked = append(picked, r)
		}
	}
	var missing []string
	for j, h := range sel.hosts {
		if !hostHit[j] {
			missing = append(missing, "no connection from or to host "+h.String())
		}
	}
	for j, id := range sel.ids {
		if !idHit[j] {
			missing = append(missing, fmt.Sprintf("no connection %d", id))
		}
	}
	if len(missing) > 0 {
		return nil, usageErr(fmt.Errorf("%s (the input has %d connections; esaflow analyze --flows lists them)",
			strings.Join(missing, ", "), len(recs)))
	}
	return picked, nil
}

// runShow is the show command without cobra: testable with buffers.
func runShow(ctx context.Context, opts *ShowOptions, stdio IO) error {
	cfg, err := opts.config()
	if err != nil {
		return err
	}
	sel, err := parseShowSelector(opts)
	if err != nil {
		return err
	}
	// show reads its input twice: what can be read only once (standard
	// input, a FIFO) is kept in a temporary file first.
	files, cleanup, err := spoolOnce(ctx, opts.Files, stdio.In)
	defer cleanup()
	if err != nil {
		return err
	}
	// First pass: the records, numbered as analyze numbers them.
	sources, failed, err := openSources(files, stdio)
	if err != nil {
		return err
	}
	col := &collector{agg: report.NewAggregator(report.GroupClient)}
	st, err := engine.Run(ctx, asSources(sources), col, engineOptions(cfg, stdio))
	closeSources(sources)
	if err != nil {
		return &exitError{code: ExitOutput, err: err}
	}
	failed = failed || len(st.Warnings) > 0
	recs := col.recs
	slices.SortFunc(recs, func(a, b classify.Record) int { return cmp.Compare(a.ID, b.ID) })

	picked := make([]*classify.Record, 0, len(recs))
	if len(sel.hosts)+len(sel.ids) > 0 {
		if picked, err = sel.pick(recs); err != nil {
			return err
		}
	} else {
		for i := range recs {
			picked = append(picked, &recs[i])
		}
		if len(picked) == 0 {
			fmt.Fprintf(stdio.Err, "esaflow: no SMTP connection in the input (ports %s)\n", opts.Ports)
		}
		if left := len(picked) - showDefaultLimit; left > 0 {
			picked = picked[:showDefaultLimit]
			fmt.Fprintf(stdio.Err, "esaflow: drew the first %d of %d connections, %d left out; select with --conn ID or --host IP (esaflow analyze --flows lists them)\n",
				showDefaultLimit, len(recs), left)
		}
	}

	// Second pass: the packets of the selected connections.
	ladders := newLadderSet(recs, picked)
	if sources, _, err = openSources(files, IO{Err: io.Discard}); err == nil {
		ladders.read(ctx, sources)
		closeSources(sources)
	}

	out := bufio.NewWriterSize(stdio.Out, 64<<10)
	lopts := report.LadderOptions{Color: stdio.colour(opts.NoColor)}
	for i, l := range ladders.picked {
		if i > 0 {
			out.WriteString("\n")
		}
		if err := report.WriteLadder(out, &report.Ladder{Record: l.rec, Packets: l.packets}, lopts); err != nil {
			return outputErr(err)
		}
	}
	if err := out.Flush(); err != nil {
		return outputErr(err)
	}
	if failed {
		return silentExit(ExitInput)
	}
	return nil
}

// colour tells whether output should be coloured: Out is a terminal,
// --no-color is not given and NO_COLOR is unset or empty.
func (s IO) colour(noColor bool) bool {
	if noColor || s.Terminal == nil || !s.Terminal() {
		return false
	}
	return s.Getenv == nil || s.Getenv("NO_COLOR") == ""
}

// maxSpool bounds what show keeps of an input it can read only once.
const maxSpool = 4 << 30

// spoolOnce returns files with each input that can be read only once
// (standard input "-", a FIFO) copied to a temporary file, so that show
// can read it twice without holding it in memory. Input that is not a
// capture is refused before anything is copied (the copy would be for
// nothing, and /dev/zero never ends); past maxSpool bytes the copy stops
// with an error. cleanup removes the copies.
func spoolOnce(ctx context.Context, files []string, stdin io.Reader) (out []string, cleanup func(), err error) {
	var tmp []string
	cleanup = func() {
		for _, f := range tmp {
			os.Remove(f)
		}
	}
	out = slices.Clone(files)
	for i, name := range files {
		var r io.Reader = stdin
		if name != "-" {
			st, err := os.Stat(name)
			if err != nil || st.Mode().IsRegular() || st.IsDir() {
				continue // openSources reports it, or reads it twice
			}
			f, err := os.Open(name)
			if err != nil {
				continue
			}
			defer f.Close()
			defer context.AfterFunc(ctx, func() { f.Close() })()
			r = f
		}
		br := bufio.NewReaderSize(r, 64<<10)
		head, _ := br.Peek(64 << 10)
		if _, err := capture.NewReader(name, io.NopCloser(bytes.NewReader(head))); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return out, cleanup, &exitError{code: ExitInput, err: err}
		}
		t, err := os.CreateTemp("", "esaflow-show-*.pcap")
		if err != nil {
			return out, cleanup, err
		}
		tmp = append(tmp, t.Name())
		n, err := io.Copy(t, io.LimitReader(br, maxSpool+1))
		if cerr := t.Close(); err == nil {
			err = cerr
		}
		switch {
		case ctx.Err() != nil:
			return out, cleanup, silentExit(ExitInterrupted)
		case err != nil:
			return out, cleanup, &exitError{code: ExitInput, err: fmt.Errorf("reading %s: %w", name, err)}
		case n > maxSpool:
			return out, cleanup, usageErr(fmt.Errorf("%s: over %d GiB to keep for show; save it to a file and give the file", name, maxSpool>>30))
		}
		out[i] = t.Name()
	}
	return out, cleanup, nil
}

// ladderConn is one connection on the second pass: its record and, when
// selected, its packets.
type ladderConn struct {
	rec      *classify.Record
	selected bool
	lab      labeler
	packets  []report.LadderPacket
}

// ladderSet finds the packets of the selected connections. The tracker
// hands a packet to the latest connection of its address/port pair, so a
// packet belongs to the connection of its pair that started last at or
// before its time; that includes the late packets absorbed after the
// verdict.
type ladderSet struct {
	byPair map[[2]netip.AddrPort][]*ladderConn // each in start order
	picked []*ladderConn
}

func newLadderSet(recs []classify.Record, picked []*classify.Record) *ladderSet {
	s := &ladderSet{byPair: make(map[[2]netip.AddrPort][]*ladderConn)}
	conns := make(map[uint64]*ladderConn, len(recs))
	for i := range recs {
		r := &recs[i]
		c := &ladderConn{rec: r}
		conns[r.ID] = c
		k := pairKey(netip.AddrPortFrom(r.Client, r.ClientPort), netip.AddrPortFrom(r.Server, r.ServerPort))
		s.byPair[k] = append(s.byPair[k], c)
	}
	for _, list := range s.byPair {
		slices.SortStableFunc(list, func(a, b *ladderConn) int { return a.rec.Start.Compare(b.rec.Start) })
	}
	for _, r := range picked {
		c := conns[r.ID]
		c.selected = true
		s.picked = append(s.picked, c)
	}
	return s
}

// pairKey is the address/port pair of a connection, the same both ways.
func pairKey(a, b netip.AddrPort) [2]netip.AddrPort {
	if a.Compare(b) > 0 {
		a, b = b, a
	}
	return [2]netip.AddrPort{a, b}
}

// read reads every frame of sources and keeps those of the selected
// connections. Read errors end a source quietly: the first pass reported
// them.
func (s *ladderSet) read(ctx context.Context, sources []*capture.File) {
	var pkt capture.Packet
	var seg flow.Segment
	for _, src := range sources {
		for n := 0; ; n++ {
			if n&4095 == 0 && ctx.Err() != nil {
				return
			}
			if src.Next(&pkt) != nil {
				break
			}
			if flow.Decode(pkt.LinkType, pkt.Data, &seg) != nil {
				continue
			}
			seg.Time = pkt.Time
			s.segment(&seg)
		}
	}
}

// segment hands seg to its connection if that one is selected.
func (s *ladderSet) segment(seg *flow.Segment) {
	list := s.byPair[pairKey(seg.Src, seg.Dst)]
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		if seg.Time.Before(c.rec.Start) {
			continue
		}
		if c.selected {
			fromClient := seg.Src == netip.AddrPortFrom(c.rec.Client, c.rec.ClientPort)
			c.packets = append(c.packets, c.lab.packet(seg, fromClient))
		}
		return
	}
}
