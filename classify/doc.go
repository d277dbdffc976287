// Package classify owns SMTP: it parses the reassembled byte streams that
// package flow hands it (reply lines and multi-line replies with enhanced
// status codes, commands paired with their replies under pipelining, the
// DATA body up to its final dot, BDAT chunks, the switch to TLS after
// STARTTLS), and decides each connection's verdict and outcome with the
// state machine documented in decide.go. It also reads what a record
// needs to explain itself beyond the verdict: the marks of a firewall's
// SMTP inspection and resets forged in a side's name (flags.go,
// inspect.go), the TLS records sent in clear (tls.go) and, in TLS 1.3,
// the shapes of the encrypted ones that tell a failed handshake
// (tls13.go), the named reason of a refusal (reasons.go), what the
// capture lacks and sessions off the common path (capturegaps.go), and
// the first commands of other protocols that greet like SMTP
// (protocol.go). Its output is one Record per connection,
// handed to a callback when the connection is decided. A record's texts
// share one byte arena per session (arena.go), reused when the session is
// Reset; on amd64 with AVX2 the body scanner steps over body lines that
// cannot matter 32 bytes at a time (bodyskip_amd64.s), elsewhere it reads
// every line.
//
// It must not touch packets or link layers (that is flow's) nor render
// anything (that is report's). Every string it puts in a Record that came
// from the wire goes through Escape first.
package classify
