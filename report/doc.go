// Package report aggregates decided connection records per host and renders
// them, together with statistics about the input, as a table, JSON, JSON
// Lines or CSV.
//
// Report owns everything that happens after a connection has been decided:
// the per-host verdicts (Aggregator), the output formats (Renderer) and the
// exact bytes they produce. The input is classify.Record, whose strings are
// already escaped, so renderers print them as they are.
// WriteLadder draws one connection, its record and its packets (as the
// caller describes them in LadderPacket), as a packet ladder for
// "esaflow show".
//
// Report must not touch packets: it never imports gopacket, capture or flow,
// and it does no SMTP parsing. It also leaves process globals alone: it
// writes only to the io.Writer it is given, never reads the clock and never
// exits. For the same records and statistics, every format produces the same
// bytes: maps are sorted, records are ordered by start time and ID, and all
// times are printed in UTC with a fixed layout.
package report
