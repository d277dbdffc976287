// Command esaflow reads packet captures of SMTP traffic and tells, per
// connection and per remote host, how the mail server treated each peer:
// ACCEPT, REJECT, TCPREFUSE and the rest (see the README).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Terminal: stdoutIsTerminal, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// stdoutIsTerminal reports whether standard output is a terminal (a
// character device), where show may use colours.
func stdoutIsTerminal() bool {
	fi, err := os.Stdout.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
