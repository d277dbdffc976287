package main

import (
	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/capture"
	"github.com/esaflow/esaflow/report"
)

// completeValues registers shell completion for the flag name of cmd: the
// fixed values given.
func completeValues(cmd *cobra.Command, name string, values ...string) {
	// The error is only for a flag that does not exist: a programming
	// error the completion test finds.
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	})
}

// completeInterfaces completes live's -i with the capture devices.
func completeInterfaces(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("interface", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		devs, err := capture.Devices()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := make([]string, len(devs))
		for i, d := range devs {
			names[i] = d.Name
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// groupByValues are --group-by's values.
var groupByValues = []string{report.GroupClient.String(), report.GroupServer.String()}
