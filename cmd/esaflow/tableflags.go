package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/report"
)

// TableOptions lay out the tables of --format table, the same for analyze
// and live: Wide shows every column, Local writes times in the local time
// zone instead of UTC. Without Wide, a table on a terminal fits its width.
type TableOptions struct {
	Wide, Local bool
}

// addFlags defines --wide and --local on cmd.
func (o *TableOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.Wide, "wide", false, "table format: every column (times, history, who closed, TLS), not only those that fit a terminal")
	f.BoolVar(&o.Local, "local", false, "table format: times in the local time zone (the headers say which) instead of UTC")
}

// apply sets the layout of ro: its width is the terminal's (none in a
// pipe), its zone UTC unless Local.
func (o *TableOptions) apply(ro *report.Options, stdio IO) {
	ro.Wide = o.Wide
	if stdio.Width != nil {
		ro.Width = stdio.Width()
	}
	if o.Local {
		ro.Location = time.Local
	}
}

// refuseTableFlags refuses --wide and --local with a format that has no
// table; given tells which flags were given.
func refuseTableFlags(format report.Format, given func(string) bool) error {
	if format != report.FormatTable && (given("wide") || given("local")) {
		return usageErr(fmt.Errorf("--wide and --local lay out the tables of --format table; --format %s writes every field, times in UTC (drop them)", format))
	}
	return nil
}
