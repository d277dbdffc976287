// Package flow owns decoding and TCP: it turns link-layer frames from
// package capture into TCP segments (Ethernet with 802.1Q/802.1ad tags,
// Linux SLL and SLL2, raw IP, BSD loopback; IPv4 and IPv6 with extension
// headers skipped), tracks connections between a client and an SMTP
// server port, reassembles each direction's bytes in sequence order, and
// hands a Stream the resulting events: handshake, in-order payload, FIN,
// RST, close. A connection torn down by a RST is decided a moment later
// (Config.ResetHold of packet time), so that what the "resetting" side
// still sends is reported too. Events carry the IP TTL of their packet.
// Decoding (DecodePacket) touches nothing but its output, so a caller may
// decode frames ahead on another goroutine and hand the Tracker the
// results (Tracker.Decoded) in capture order.
//
// A decided connection is remembered for a while (linger.go) only as a
// tomb, its key and client, so that late packets are absorbed; its Conn is
// reused at once. Conn and tomb start with a node (list links, key, hash)
// that the generic tables and lists find at the element's address.
//
// Connections off the SMTP ports are followed only with Config.AnyPort,
// from their handshake, as probes (probe.go): their events are kept until
// the first payloads show an SMTP greeting and command, then replayed to
// a Stream; anything else is dropped to a tomb after its first payload.
// Out-of-order data is held in a heap bounded by bytes (reassembly.go);
// bytes cut by the snap length or lost to a sequence hole are counted
// (ConnInfo.Missed), and so are those given up at the bound (ConnInfo.GaveUp).
// A connection's phase (probing, open, held, decided) moves as the table in
// phase.go says.
//
// It keeps the TCP-level facts about each connection (Zeek-style history
// and conn_state, who closed first, packet and byte counts) and nothing
// about SMTP: parsing payload belongs to package classify. gopacket stops
// here: nothing this package exports mentions a gopacket type. Time is
// packet time only; the package never reads the wall clock.
package flow
