package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/esaflow/esaflow/capture"
)

// versionText is what "esaflow version" and "esaflow --version" print:
// the module version (a tag for go install pkg@version, "(devel)" for a
// build in a checkout), the commit and its time when the build knows them,
// the Go version, and whether live capture is available.
func versionText(info *debug.BuildInfo, ok bool) string {
	version, commit, when, modified, goVersion := "unknown", "", "", false, "unknown"
	if ok {
		version, goVersion = info.Main.Version, info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	out := "esaflow " + version + "\n"
	if commit != "" {
		if modified {
			commit += " (with local changes)"
		}
		out += fmt.Sprintf("commit %s %s\n", commit, when)
	}
	out += "built with " + goVersion + "\n"
	if v, err := capture.LibpcapVersion(); err == nil {
		out += "live capture: yes, " + v + " (loaded at run time)\n"
	} else {
		out += "live capture: no: " + err.Error() + "\n"
	}
	return out
}

func newVersionCmd(stdio IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print esaflow's version, commit, Go version and whether live capture is available",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return printVersion(stdio.Out)
		},
	}
}

func printVersion(w io.Writer) error {
	info, ok := debug.ReadBuildInfo()
	if _, err := io.WriteString(w, versionText(info, ok)); err != nil {
		return outputErr(err)
	}
	return nil
}
