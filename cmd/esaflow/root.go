package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// IO is where a command reads and writes; tests pass buffers.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// Terminal reports whether Out is a terminal, where colours may be
	// used; nil means it is not.
	Terminal func() bool
	// Width returns the width in columns of the terminal Out is, 0 when it
	// is not one (nil: 0): tables are cut to fit it.
	Width func() int
	// Getenv reads an environment variable (NO_COLOR); nil reads none.
	Getenv func(string) string
	// ErrTerminal tells that Err is a terminal, where a progress line may
	// be drawn; never true for a pipe or a file.
	ErrTerminal bool
	// Now is the wall clock, used only for progress display (nil means
	// time.Now); packet times come from the capture.
	Now func() time.Time
	// quiet silences notes (-q); a command sets it from its flag.
	quiet bool
}

// notes is where notes go: Err, or nowhere with -q. Warnings about the
// input and errors always go to Err.
func (s IO) notes() io.Writer {
	if s.quiet || s.Err == nil {
		return io.Discard
	}
	return s.Err
}

// addQuietFlag defines -q/--quiet, the same on every command.
func addQuietFlag(cmd *cobra.Command, quiet *bool) {
	cmd.Flags().BoolVarP(quiet, "quiet", "q", false, "no progress line or notes on stderr (warnings about the input and errors are still shown)")
}

// now reads the wall clock: Now, or time.Now when it is nil.
func (s IO) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Main runs esaflow with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdio IO) exitCode {
	root := newRootCmd(stdio)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var s silentExit
	if errors.As(err, &s) {
		return exitCode(s)
	}
	if errors.Is(err, syscall.EPIPE) {
		return ExitOK // the reader of a pipe closed it: nothing to say
	}
	fmt.Fprintf(stdio.Err, "esaflow: %v\n", err)
	var e *exitError
	if errors.As(err, &e) {
		if e.code == ExitUsage {
			fmt.Fprintf(stdio.Err, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return e.code
	}
	// cobra's own errors: an unknown command or flag.
	fmt.Fprintf(stdio.Err, "Run '%s --help' for usage.\n", cmd.CommandPath())
	return ExitUsage
}

func newRootCmd(stdio IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "esaflow",
		Short: "Tell from packet captures how a mail server treated each SMTP peer",
		Long: `esaflow reads packet captures (pcap, pcapng; plain, gzip, zstd or lz4) of SMTP
traffic, reassembles each TCP connection and tells, per connection and per
remote host, whether the mail server accepted it, REJECTed it (a 5xx
greeting), TCPREFUSEd it (handshake then RST), and what happened after.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr(withFlagSuggestion(c, err)) })
	root.AddCommand(newAnalyzeCmd(stdio))
	root.AddCommand(newCheckCmd(stdio))
	root.AddCommand(newShowCmd(stdio))
	root.AddCommand(newLiveCmd(stdio))
	root.AddCommand(newInterfacesCmd(stdio))
	root.AddCommand(newVersionCmd(stdio))
	root.AddCommand(newGenDocsCmd(stdio))
	// --version prints what "esaflow version" prints.
	root.Version = versionText(debug.ReadBuildInfo())
	root.SetVersionTemplate("{{.Version}}")
	return root
}
