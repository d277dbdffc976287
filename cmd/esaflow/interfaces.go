package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/capture"
)

func newInterfacesCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "interfaces",
		Short: "List the capture devices (for esaflow live -i) with their addresses",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			devs, err := capture.Devices()
			if err != nil {
				return &exitError{code: ExitInput, err: err}
			}
			for _, d := range devs {
				var addrs []string
				for _, a := range d.Addresses {
					addrs = append(addrs, a.String())
				}
				fmt.Fprintf(stdio.Out, "%-16s %s\n", d.Name, strings.Join(addrs, " "))
			}
			return nil
		},
	}
}
