package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/classify"
	"github.com/esaflow/esaflow/report"
)

// FilterOptions select the connections a report shows, by what was
// decided about them; the same flags offline and live. Filtered-out
// connections are counted in the statistics (filtered_out).
type FilterOptions struct {
	Verdicts []string
	Outcomes []string
	Clients  []string
	Servers  []string
	Since    string
	Until    string
}

// addFlags defines the filter flags on cmd.
func (o *FilterOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringSliceVar(&o.Verdicts, "verdict", nil, "only connections with this verdict (repeatable or comma-separated, e.g. REJECT,TCPREFUSE)")
	f.StringSliceVar(&o.Outcomes, "outcome", nil, "only ACCEPT connections with this outcome (repeatable, e.g. DELIVERED)")
	f.StringSliceVar(&o.Clients, "client", nil, "only connections from this address or network (CIDR; repeatable)")
	f.StringSliceVar(&o.Servers, "server", nil, "only connections to this address or network (CIDR; repeatable)")
	f.StringVar(&o.Since, "since", "", "only connections that started at or after this time (RFC 3339, or 2006-01-02[ 15:04:05], UTC unless a zone is given)")
	f.StringVar(&o.Until, "until", "", "only connections that started before this time (as --since)")
	verdicts := make([]string, 0, len(classify.Verdicts()))
	for _, v := range classify.Verdicts() {
		verdicts = append(verdicts, v.String())
	}
	completeValues(cmd, "verdict", verdicts...)
}

// filter parses the options; errors are usage errors naming the flag.
func (o *FilterOptions) filter() (*report.Filter, error) {
	f := &report.Filter{}
	for _, s := range o.Verdicts {
		v, err := classify.ParseVerdict(strings.ToUpper(strings.TrimSpace(s)))
		if err != nil {
			return nil, usageErr(fmt.Errorf("--verdict: %w", err))
		}
		f.Verdicts = append(f.Verdicts, v)
	}
	for _, s := range o.Outcomes {
		v, err := classify.ParseOutcome(strings.ToUpper(strings.TrimSpace(s)))
		if err != nil || v == classify.OutcomeNone {
			return nil, usageErr(fmt.Errorf("--outcome: unknown outcome %q", s))
		}
		f.Outcomes = append(f.Outcomes, v)
	}
	var err error
	if f.Clients, err = parsePrefixes("--client", o.Clients); err != nil {
		return nil, err
	}
	if f.Servers, err = parsePrefixes("--server", o.Servers); err != nil {
		return nil, err
	}
	if f.Since, err = parseWhen("--since", o.Since); err != nil {
		return nil, err
	}
	if f.Until, err = parseWhen("--until", o.Until); err != nil {
		return nil, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return nil, usageErr(errors.New("--since must come before --until"))
	}
	return f, nil
}

// parsePrefixes parses addresses and CIDR networks.
func parsePrefixes(flag string, list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, usageErr(fmt.Errorf("%s %q: not an address or a network (198.51.100.7, 198.51.100.0/24, 2001:db8::/32)", flag, s))
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// timeLayouts are the forms --since and --until take without a zone (UTC).
var timeLayouts = []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}

// parseWhen parses a --since or --until value: RFC 3339 (with its zone),
// or one of timeLayouts in UTC; "" is no bound.
func parseWhen(flag, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr(fmt.Errorf("%s %q: not a time (2026-11-22T09:50:00Z, 2026-11-22 09:50:00 in UTC, 2026-11-22)", flag, s))
}
