// Package capture owns packet sources: it opens capture files (classic pcap
// in either byte order and time resolution, pcapng with several interfaces
// and sections, and gzip-compressed files of either, recognised by content)
// and hands their frames out one at a time (Next) or in batches whose bytes
// the caller holds as long as it likes (ReadBatch: a plain pcap file is
// read straight into the batch, and no frame is copied), with the link
// type each frame was captured on. It also captures live from a network
// interface through libpcap (OpenLive, Devices) and compiles tcpdump's
// filter expressions (NewFilter), on Linux and macOS, loading libpcap when
// first needed: no cgo and no libpcap headers are needed to build it, and
// where the library is missing those return ErrNoLive (wrapped in an
// error that says how to install it) while everything else works the same.
// The build tag nolibpcap leaves the loader out, for a fully static binary.
//
// It knows nothing about IP, TCP or SMTP and must not: decoding belongs to
// package flow. It never writes to the terminal and never exits the
// process; damaged input is reported as a *ReadError that names the file,
// the byte offset and the packet number, so that callers can keep every
// result decided before the damage.
package capture
