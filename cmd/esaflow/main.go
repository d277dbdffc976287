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
	code := Main(ctx, os.Args[1:], IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
