// Package classify owns SMTP: it parses the reassembled byte streams that
// package flow hands it (reply lines and multi-line replies with enhanced
// status codes, commands paired with their replies under pipelining, the
// DATA body up to its final dot, BDAT chunks, the switch to TLS after
// STARTTLS), and decides each connection's verdict and outcome with the
// state machine documented in decide.go. Its output is one Record per
// connection, handed to a callback when the connection is decided.
//
// It must not touch packets or link layers (that is flow's) nor render
// anything (that is report's). Every string it puts in a Record that came
// from the wire goes through Escape first.
package classify
