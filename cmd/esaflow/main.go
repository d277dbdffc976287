// Command esaflow reads packet captures of SMTP traffic and tells, per
// connection and per remote host, how the mail server treated each peer:
// ACCEPT, REJECT, TCPREFUSE and the rest (see the README).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/esaflow/esaflow/capture"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal asks for the report of what was read; the
		// default action is back for the next one, which ends esaflow
		// at once (a read of standard input cannot be cut short).
		<-ctx.Done()
		stop()
	}()
	stdio := IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, ErrTerminal: isTerminal(os.Stderr), Now: time.Now,
		Terminal: func() bool { return isTerminal(os.Stdout) }, Width: func() int { return terminalWidth(os.Stdout) }, Getenv: os.Getenv}
	if path := os.Getenv("ESAFLOW_LIBPCAP"); path != "" {
		// A libpcap installed where the loader does not look; a failure
		// is said when live capture or -f needs the library.
		_ = capture.LoadLibpcap(path)
	}
	if path := os.Getenv("ESAFLOW_CPUPROFILE"); path != "" {
		// A developer's aid: a CPU profile of the whole run (go tool pprof).
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "esaflow: warning: ESAFLOW_CPUPROFILE: %v\n", err)
		}
	}
	code := Main(ctx, os.Args[1:], stdio)
	stop()
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(int(code))
	}
}

// isTerminal reports whether f is a terminal (not a pipe, a file or
// /dev/null), so that CI logs and redirected output never get a progress
// line or colours.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// terminalWidth is the width of the terminal f is, 0 when it is none.
func terminalWidth(f *os.File) int {
	if !isTerminal(f) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
