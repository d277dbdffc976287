// Package pcaptest builds hand-made packet captures for tests.
//
// The package owns one job: producing small, deterministic pcap and pcapng
// files that contain TCP edge cases real TCP stacks will not produce on
// demand, such as retransmissions, overlapping segments, forged resets,
// VLAN-tagged or cooked link layers, and files with several interfaces or
// sections. It is test support only and is never imported by the product's
// runtime code.
//
// A Builder accumulates link-layer frames. Builder.TCP appends one fully
// specified segment, Builder.Raw appends arbitrary bytes, and a Conv tracks
// the sequence numbers of one connection so a test reads like a ladder
// diagram:
//
//	b := pcaptest.NewBuilder(pcaptest.Ethernet)
//	c := b.Conv(client, server, 1000, 5000)
//	c.SYN(t0)
//	c.SYNACK(t0.Add(time.Millisecond))
//	c.ACK(t0.Add(2 * time.Millisecond))
//	c.Server(t0.Add(3*time.Millisecond), "220 mx.example ESMTP\r\n")
//	data := b.Bytes(pcaptest.PcapNG)
//
// Output depends only on the builder's inputs: the package never reads the
// clock and uses no randomness.
package pcaptest
