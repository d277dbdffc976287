package flow

import "time"

// Advance moves the tracker's clock to now when no packet has come to do
// it (a live capture on a quiet link), so that idle connections are still
// decided. Time never goes backwards.
func (t *Tracker) Advance(now time.Time) {
	if now.After(t.now) {
		t.now = now
		t.expire()
		t.sweep = now.Add(sweepEvery)
	}
}
