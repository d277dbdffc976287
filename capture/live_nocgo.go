//go:build !cgo

package capture

// Live is a live capture; without cgo it cannot be opened.
type Live struct{}

// LiveSupported reports whether this build can capture live traffic.
const LiveSupported = false

// OpenLive fails: this build has no libpcap.
func OpenLive(LiveOptions) (*Live, error) { return nil, ErrNoLive }

// Next implements Source.
func (*Live) Next(*Packet) error { return ErrNoLive }

// Stats returns nothing: there is no capture.
func (*Live) Stats() (LiveStats, error) { return LiveStats{}, ErrNoLive }

// Close does nothing.
func (*Live) Close() error { return nil }

// Devices fails: this build has no libpcap.
func Devices() ([]Device, error) { return nil, ErrNoLive }
