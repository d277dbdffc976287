// Package capture owns packet sources: it opens capture files (classic pcap
// in either byte order and time resolution, pcapng with several interfaces
// and sections, and gzip-compressed files of either, recognised by content)
// and hands their frames out one at a time (Next) or in batches whose bytes
// the caller holds as long as it likes (ReadBatch: a plain pcap file is
// read straight into the batch, and no frame is copied), with the link
// type each frame was captured on. Built with cgo, it also captures live from a network
// interface through libpcap (OpenLive, Devices); without cgo those return
// ErrNoLive, and everything else works the same.
//
// It knows nothing about IP, TCP or SMTP and must not: decoding belongs to
// package flow. It never writes to the terminal and never exits the
// process; damaged input is reported as a *ReadError that names the file,
// the byte offset and the packet number, so that callers can keep every
// result decided before the damage.
package capture
