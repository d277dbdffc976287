package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/capture"
)

// InterfacesOptions are the settings of "esaflow interfaces" (none yet).
type InterfacesOptions struct{}

func newInterfacesCmd(stdio IO) *cobra.Command {
	opts := InterfacesOptions{}
	return &cobra.Command{
		Use:   "interfaces",
		Short: "List the capture devices (for esaflow live -i) with their addresses",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return runInterfaces(&opts, stdio)
		},
	}
}

// runInterfaces prints one line per capture device: its name, its
// addresses and libpcap's description when there is one.
func runInterfaces(_ *InterfacesOptions, stdio IO) error {
	devs, err := capture.Devices()
	if err != nil {
		return &exitError{code: ExitInput, err: err}
	}
	width := len("INTERFACE")
	for _, d := range devs {
		width = max(width, len(d.Name))
	}
	fmt.Fprintf(stdio.Out, "%-*s  %s\n", width, "INTERFACE", "ADDRESSES")
	for _, d := range devs {
		var cells []string
		for _, a := range d.Addresses {
			cells = append(cells, a.String())
		}
		if d.Description != "" {
			cells = append(cells, "("+d.Description+")")
		}
		line := fmt.Sprintf("%-*s  %s", width, d.Name, strings.Join(cells, " "))
		fmt.Fprintln(stdio.Out, strings.TrimRight(line, " "))
	}
	return nil
}
