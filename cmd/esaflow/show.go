package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/classify/tlsdecrypt"
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
	Format  string
	NoColor bool
	Quiet   bool
	TrackerOptions
	// changed tells whether a flag was given on the command line (nil:
	// none was).
	changed func(name string) bool
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

-o json and -o jsonl write the same ladders for programs: per connection its
record (analyze's JSON) and its packets (time, sender, TCP flags, what each
carries, retransmission), as docs/esaflow.schema.json describes ($defs/ladder).

Exit codes: 0 drawn; 1 some input could not be read; 2 usage error, or a
selector that matches no connection.`,
		Example: `  esaflow show capture.pcap
  esaflow show --conn 3 --conn 7 capture.pcap
  esaflow show --host 203.0.113.7 rotated-*.pcap.gz
  esaflow show -o jsonl --conn 3 capture.pcap | jq '.packets[].content'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr(errors.New("show needs at least one capture file (or - for standard input)"))
			}
			opts.Files, opts.changed = args, cmd.Flags().Changed
			return runShow(cmd.Context(), &opts, stdio)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&opts.Hosts, "host", nil, "draw the connections from or to this address (repeatable)")
	f.StringSliceVar(&opts.Conns, "conn", nil, "draw the connection with this ID, as analyze --flows shows it (repeatable)")
	f.StringVarP(&opts.Format, "format", "o", "ladder", "output format: ladder (the drawing), json or jsonl (the same ladders for programs)")
	f.BoolVar(&opts.NoColor, "no-color", false, "never use colours")
	addQuietFlag(cmd, &opts.Quiet)
	opts.addFlags(cmd)
	completeValues(cmd, "format", showFormats...)
	return cmd
}

// showFormats are the values of show's --format.
var showFormats = []string{"ladder", "json", "jsonl"}

// showFormat parses show's --format (in any case) and refuses --no-color
// with a format that has no colours.
func (o *ShowOptions) showFormat() (string, error) {
	for _, f := range showFormats {
		if strings.EqualFold(strings.TrimSpace(o.Format), f) {
			if f != "ladder" && o.changed != nil && o.changed("no-color") {
				return "", usageErr(fmt.Errorf("--no-color keeps colours out of the drawing; --format %s has none (drop --no-color)", f))
			}
			return f, nil
		}
	}
	return "", usageErr(fmt.Errorf("--format: unknown format %q (valid: %s)", o.Format, strings.Join(showFormats, ", ")))
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

// any tells whether a selector was given.
func (sel showSelector) any() bool { return len(sel.hosts)+len(sel.ids) > 0 }

// picks tells whether the connection c (its ID known) is to be drawn: its
// ID or an address is selected, or, without selectors, it is among the
// first showDefaultLimit.
func (sel showSelector) picks(c *flow.Conn) bool {
	if !sel.any() {
		return c.ID <= showDefaultLimit
	}
	return slices.Contains(sel.ids, c.ID) || sel.hostOf(c)
}

// mayPick tells whether the probe c, whose ID is not known yet, may turn
// out to be drawn.
func (sel showSelector) mayPick(c *flow.Conn) bool {
	return !sel.any() || len(sel.ids) > 0 || sel.hostOf(c)
}

// hostOf tells whether c is from or to a selected host.
func (sel showSelector) hostOf(c *flow.Conn) bool {
	return slices.Contains(sel.hosts, c.Client.Addr().Unmap()) || slices.Contains(sel.hosts, c.Server.Addr().Unmap())
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
	stdio.quiet = opts.Quiet
	format, err := opts.showFormat()
	if err != nil {
		return err
	}
	eopts, err := opts.engineOptions(stdio)
	if err != nil {
		return err
	}
	sel, err := parseShowSelector(opts)
	if err != nil {
		return err
	}
	sources, failed, err := openSources(opts.Files, stdio)
	if err != nil {
		return err
	}
	defer closeSources(sources)
	// One pass: the engine numbers the connections as analyze does, and
	// its tracker's tap hands show the packets of the selected ones.
	ladders := newLadderSet(sel)
	if eopts.KeyLog == nil {
		eopts.KeyLog = tlsdecrypt.NewKeyLog() // for the secrets a pcapng embeds
	}
	ladders.keys = eopts.KeyLog
	eopts.Flow.Tap = ladders.segment
	col := &collector{agg: report.NewAggregator(report.GroupClient)}
	st, err := engine.Run(ctx, asSources(sources), opts.joined(col), eopts)
	if err != nil {
		return &exitError{code: ExitOutput, err: err}
	}
	if ctx.Err() != nil {
		return silentExit(ExitInterrupted)
	}
	failed = failed || len(st.Warnings) > 0
	recs := col.recs
	slices.SortFunc(recs, func(a, b classify.Record) int { return cmp.Compare(a.ID, b.ID) })

	picked := make([]*classify.Record, 0, len(recs))
	if sel.any() {
		if picked, err = sel.pick(recs); err != nil {
			return err
		}
	} else {
		for i := range recs {
			picked = append(picked, &recs[i])
		}
		if len(picked) == 0 {
			fmt.Fprintf(stdio.notes(), "esaflow: no SMTP connection in the input (ports %s)\n", opts.Ports)
		}
		if left := len(picked) - showDefaultLimit; left > 0 {
			picked = picked[:showDefaultLimit]
			fmt.Fprintf(stdio.notes(), "esaflow: drew the first %d of %d connections, %d left out; select with --conn ID or --host IP (esaflow analyze --flows lists them)\n",
				showDefaultLimit, len(recs), left)
		}
	}

	out := bufio.NewWriterSize(stdio.Out, 64<<10)
	if err := writeLadders(out, format, picked, ladders, opts.NoColor, stdio); err != nil {
		return outputErr(err)
	}
	if err := out.Flush(); err != nil {
		return outputErr(err)
	}
	if failed {
		return silentExit(ExitInput)
	}
	return nil
}

// writeLadders writes the ladders of the picked connections in format.
func writeLadders(out *bufio.Writer, format string, picked []*classify.Record, ladders *ladderSet, noColor bool, stdio IO) error {
	ladder := func(r *classify.Record) *report.Ladder {
		l := &report.Ladder{Record: r}
		if c := ladders.byID[r.ID]; c != nil {
			l.Packets = c.packets
		}
		return l
	}
	if format != "ladder" {
		lw := report.NewLadderWriter(out, format == "jsonl")
		for _, r := range picked {
			if err := lw.Write(ladder(r)); err != nil {
				return err
			}
		}
		return lw.Close()
	}
	lopts := report.LadderOptions{Color: stdio.colour(noColor)}
	if stdio.Width != nil {
		lopts.Width = stdio.Width() // on a terminal, its width; else the default 100
	}
	for i, r := range picked {
		if i > 0 {
			out.WriteString("\n")
		}
		if err := report.WriteLadder(out, ladder(r), lopts); err != nil {
			return err
		}
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

// ladderConn is the packets of one selected connection, labelled as they
// come.
type ladderConn struct {
	client  netip.AddrPort
	start   time.Time
	lab     classify.PacketLabeler
	ttl     [2]uint8 // TTL of each side's first packet without RST (0: none yet)
	packets []report.LadderPacket
}

// ladderSet keeps the packets of the selected connections, from the
// tracker's tap (flow.Config.Tap), in capture order: each packet with the
// connection the tracker gave it to. A probe's packets (a connection off
// the SMTP ports, ID 0 until its content shows SMTP) are kept by their
// Conn until it gets its ID; a packet absorbed after a connection was
// decided goes to the last selected connection of its address pair,
// unless a later connection took that pair.
type ladderSet struct {
	sel    showSelector
	keys   *tlsdecrypt.KeyLog // the key log the engine decrypts with: the labels use it too
	maxID  uint64             // the highest connection ID seen so far
	byID   map[uint64]*ladderConn
	probes map[*flow.Conn]*ladderConn
	last   map[[2]netip.AddrPort]*ladderConn // the latest selected connection of each pair
}

func newLadderSet(sel showSelector) *ladderSet {
	return &ladderSet{sel: sel, byID: make(map[uint64]*ladderConn),
		probes: make(map[*flow.Conn]*ladderConn), last: make(map[[2]netip.AddrPort]*ladderConn)}
}

// pairKey is the address/port pair of a connection, the same both ways.
func pairKey(a, b netip.AddrPort) [2]netip.AddrPort {
	if a.Compare(b) > 0 {
		a, b = b, a
	}
	return [2]netip.AddrPort{a, b}
}

// segment is the tap: it keeps seg if its connection is, or may be,
// selected.
func (s *ladderSet) segment(c *flow.Conn, seg *flow.Segment) {
	pair := pairKey(seg.Src, seg.Dst)
	if c == nil {
		if lc := s.last[pair]; lc != nil {
			lc.add(seg)
		}
		return
	}
	if c.ID == 0 {
		// A probe: kept while it could turn out to be a selected
		// connection; a Conn reused for another probe starts afresh.
		if !s.sel.mayPick(c) || !s.sel.any() && s.maxID >= showDefaultLimit {
			return
		}
		lc := s.probes[c]
		if lc == nil || lc.start != c.Start || lc.client != c.Client {
			lc = &ladderConn{client: c.Client, start: c.Start}
			lc.lab.DecryptWith(s.keys)
			s.probes[c] = lc
		}
		lc.add(seg)
		return
	}
	s.maxID = max(s.maxID, c.ID)
	lc := s.byID[c.ID]
	if lc == nil {
		if !s.sel.picks(c) {
			if s.last[pair] != nil {
				delete(s.last, pair) // a later connection took the pair
			}
			return
		}
		lc = s.probes[c]
		if lc == nil || lc.start != c.Start || lc.client != c.Client {
			lc = &ladderConn{client: c.Client, start: c.Start}
			lc.lab.DecryptWith(s.keys)
		}
		delete(s.probes, c)
		s.byID[c.ID] = lc
		s.last[pair] = lc
	}
	lc.add(seg)
}

// add labels seg and keeps it.
func (lc *ladderConn) add(seg *flow.Segment) {
	fromClient := seg.Src == lc.client
	side := flow.ServerToClient
	if fromClient {
		side = flow.ClientToServer
	}
	p := report.LadderPacket{Time: seg.Time, FromClient: fromClient, Flags: flagNames(seg.Flags)}
	if lc.ttl[side] == 0 && seg.Flags&flow.FlagRST == 0 {
		lc.ttl[side] = seg.TTL
	} else if lc.ttl[side] != 0 && seg.TTL != lc.ttl[side] {
		// A packet in this side's name with another TTL: say so, it is
		// how a forged reset gives itself away.
		p.Flags += fmt.Sprintf(" (TTL %d, the side's first packet %d)", seg.TTL, lc.ttl[side])
	}
	lab := lc.lab.Label(seg, fromClient)
	p.Content, p.Retransmission = lab.Content, lab.Retransmission
	lc.packets = append(lc.packets, p)
}

// flagNames names TCP flags the way the Cisco articles do: "SYN/ACK",
// "FIN/ACK", "RST".
func flagNames(f uint8) string {
	var names []string
	for _, n := range []struct {
		bit  uint8
		name string
	}{
		{flow.FlagSYN, "SYN"}, {flow.FlagFIN, "FIN"}, {flow.FlagRST, "RST"}, {flow.FlagPSH, "PSH"},
		{flow.FlagURG, "URG"}, {0x40, "ECE"}, {0x80, "CWR"}, {flow.FlagACK, "ACK"},
	} {
		if f&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "no flags"
	}
	return strings.Join(names, "/")
}
