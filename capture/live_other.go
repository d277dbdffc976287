//go:build nolibpcap || (!linux && !darwin)

package capture

import "fmt"

// errNoLiveHere is ErrNoLive in a build that does not load libpcap.
var errNoLiveHere = fmt.Errorf("%w: this esaflow does not load libpcap (it does on Linux and macOS, unless built with the tag nolibpcap); capture with dumpcap or tcpdump and run esaflow analyze on the file", ErrNoLive)

// Live is a live capture; on this system esaflow cannot open one.
type Live struct{}

// LiveSupported reports whether live capture can work here: not on this
// system (esaflow loads libpcap at run time on Linux and macOS).
func LiveSupported() error { return errNoLiveHere }

// OpenLive fails: live capture is not supported on this system.
func OpenLive(LiveOptions) (*Live, error) { return nil, errNoLiveHere }

// Next implements Source.
func (*Live) Next(*Packet) error { return errNoLiveHere }

// Stats returns nothing: there is no capture.
func (*Live) Stats() (LiveStats, error) { return LiveStats{}, errNoLiveHere }

// Close does nothing.
func (*Live) Close() error { return nil }

// Devices fails: live capture is not supported on this system.
func Devices() ([]Device, error) { return nil, errNoLiveHere }

// LibpcapVersion fails: esaflow does not load libpcap on this system.
func LibpcapVersion() (string, error) { return "", errNoLiveHere }

// LoadLibpcap fails: esaflow does not load libpcap on this system.
func LoadLibpcap(string) error { return errNoLiveHere }
