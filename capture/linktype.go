package capture

import "fmt"

// LinkType is a link-layer header type as numbered by tcpdump.org
// (LINKTYPE_* values, which pcap and pcapng files record).
type LinkType uint16

// The link types esaflow decodes.
const (
	LinkNull      LinkType = 0   // BSD loopback: 4-byte address family in host order
	LinkEthernet  LinkType = 1   // Ethernet II, with optional 802.1Q/802.1ad tags
	LinkRaw       LinkType = 101 // raw IPv4 or IPv6, version from the first nibble
	LinkLoop      LinkType = 108 // OpenBSD loopback: 4-byte address family, network order
	LinkLinuxSLL  LinkType = 113 // Linux cooked capture v1
	LinkIPv4      LinkType = 228 // raw IPv4
	LinkIPv6      LinkType = 229 // raw IPv6
	LinkLinuxSLL2 LinkType = 276 // Linux cooked capture v2 ("tcpdump -i any" on current Linux)
)

var linkNames = map[LinkType]string{
	LinkNull:      "NULL",
	LinkEthernet:  "EN10MB",
	LinkRaw:       "RAW",
	LinkLoop:      "LOOP",
	LinkLinuxSLL:  "LINUX_SLL",
	LinkIPv4:      "IPV4",
	LinkIPv6:      "IPV6",
	LinkLinuxSLL2: "LINUX_SLL2",
}

// Supported reports whether esaflow can decode frames of this link type.
func (l LinkType) Supported() bool {
	_, ok := linkNames[l]
	return ok
}

// String returns the tcpdump name of the link type, e.g. "LINUX_SLL2", or
// "LINKTYPE(n)" for an unsupported one.
func (l LinkType) String() string {
	if n, ok := linkNames[l]; ok {
		return n
	}
	return fmt.Sprintf("LINKTYPE(%d)", uint16(l))
}
