package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestSharedFlagsAreTheSameEverywhere: the commands that read packets
// share one vocabulary: --ports, --idle-timeout and --max-conns on all of
// them, with one meaning offline (the same help) and live's documented
// differences (only its ports are captured; its idle time is wall-clock
// and shorter, and says why); -o/--format and --group-by wherever a report
// is written, completing their values.
func TestSharedFlagsAreTheSameEverywhere(t *testing.T) {
	root := newRootCmd(IO{})
	flags := map[string]*pflag.FlagSet{}
	for _, c := range root.Commands() {
		flags[c.Name()] = c.Flags()
	}
	for _, name := range []string{"ports", "idle-timeout", "max-conns"} {
		want := flags["analyze"].Lookup(name)
		for _, cmd := range []string{"analyze", "check", "show", "live"} {
			f := flags[cmd].Lookup(name)
			if f == nil {
				t.Errorf("%s has no --%s", cmd, name)
				continue
			}
			if cmd != "live" && f.Usage != want.Usage {
				t.Errorf("%s --%s says %q, analyze says %q", cmd, name, f.Usage, want.Usage)
			}
			if cmd != "live" && f.DefValue != want.DefValue {
				t.Errorf("%s --%s defaults to %s, analyze to %s", cmd, name, f.DefValue, want.DefValue)
			}
		}
	}
	if f := flags["live"].Lookup("idle-timeout"); f.DefValue != liveIdleTimeout.String() || !strings.Contains(f.Usage, "wall-clock") || !strings.Contains(f.Usage, "shorter than analyze's") {
		t.Errorf("live --idle-timeout: default %s, help %q: the difference must be said", f.DefValue, f.Usage)
	}
	for _, cmd := range []string{"analyze", "live"} {
		if f := flags[cmd].Lookup("format"); f == nil || f.Shorthand != "o" {
			t.Errorf("%s: no -o/--format", cmd)
		}
		for _, name := range []string{"wide", "local"} {
			if f := flags[cmd].Lookup(name); f == nil || f.Usage != flags["analyze"].Lookup(name).Usage {
				t.Errorf("%s: no --%s, or another meaning", cmd, name)
			}
		}
	}
	if f := flags["show"].Lookup("format"); f == nil || f.Shorthand != "o" {
		t.Errorf("show: no -o/--format")
	}
	for _, cmd := range []string{"analyze", "check", "show", "live"} {
		if f := flags[cmd].Lookup("filter"); f == nil || f.Shorthand != "f" {
			t.Errorf("%s: no -f/--filter", cmd)
		}
		if f := flags[cmd].Lookup("quiet"); f == nil || f.Shorthand != "q" || f.Usage != flags["analyze"].Lookup("quiet").Usage {
			t.Errorf("%s: no -q/--quiet, or another meaning", cmd)
		}
	}
	for _, cmd := range []string{"analyze", "check", "live"} {
		if flags[cmd].Lookup("group-by") == nil {
			t.Errorf("%s: no --group-by", cmd)
		}
	}
	for _, name := range []string{"verdict", "outcome", "client", "server", "since", "until"} {
		a, l := flags["analyze"].Lookup(name), flags["live"].Lookup(name)
		if a == nil || l == nil || a.Usage != l.Usage {
			t.Errorf("--%s: analyze %v, live %v: a filter must be the same offline and live", name, a, l)
		}
	}
	for _, tc := range []struct{ args, want string }{
		{"analyze --format ", "table\njson\njsonl\ncsv\n"},
		{"live --format ", "table\njsonl\n"},
		{"check --group-by ", "client\nserver\n"},
	} {
		args := append([]string{"__complete"}, strings.Fields(tc.args)...)
		_, out, _ := run(append(args, "")...)
		if !strings.HasPrefix(out, tc.want) {
			t.Errorf("completing %q: %q", tc.args, out)
		}
	}
}
