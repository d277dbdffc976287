package flow

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestConnTableAgreesWithAMap adds, finds and deletes connections at
// random against a Go map, with hashes drawn from a few values so that
// long probe runs, runs that wrap around the table's end, and deletions in
// the middle of them are common; every key must be found while present
// and never after.
func TestConnTableAgreesWithAMap(t *testing.T) {
	for _, tc := range []struct{ spread, steps uint64 }{{3, 3000}, {64, 30000}, {1 << 40, 200000}} {
		spread := tc.spread
		rng := rand.New(rand.NewPCG(spread, 7))
		var tab keyTable[Conn]
		ref := map[connKey]*Conn{}
		var live []*Conn
		for step := range tc.steps {
			switch op := rng.IntN(10); {
			case op < 5 || len(live) == 0:
				var k connKey
				k.lo[0], k.lo[1], k.loPort = byte(step), byte(step>>8), uint16(step>>16)
				k.hiPort = uint16(rng.Uint32())
				if ref[k] != nil {
					continue
				}
				// High hash bits pick the slot: near the table's end too.
				c := &Conn{node: node[Conn]{key: k, hash: rng.Uint64N(spread) * 0x9e3779b97f4a7c15}}
				tab.put(c, c.hash)
				ref[k], live = c, append(live, c)
			case op < 8:
				i := rng.IntN(len(live))
				c := live[i]
				tab.del(c, c.hash)
				delete(ref, c.key)
				live[i] = live[len(live)-1]
				live = live[:len(live)-1]
				if got := tab.get(&c.key, c.hash); got != nil {
					t.Fatalf("spread %d step %d: deleted key still found", spread, step)
				}
			default:
				c := live[rng.IntN(len(live))]
				if got := tab.get(&c.key, c.hash); got != c {
					t.Fatalf("spread %d step %d: present key not found (got %p, want %p)", spread, step, got, c)
				}
			}
			if tab.n != len(ref) {
				t.Fatalf("spread %d step %d: table holds %d, map %d", spread, step, tab.n, len(ref))
			}
		}
		for _, c := range live {
			if tab.get(&c.key, c.hash) != c {
				t.Fatalf("spread %d: key lost at the end", spread)
			}
		}
	}
}

// TestKeyHashSpreadsNeighbours hashes keys that differ in one address
// byte or one port, as a gateway's traffic does, and checks that their
// low bits (the table slot) fill about as many slots as random values
// would (1 - 1/e of them).
func TestKeyHashSpreadsNeighbours(t *testing.T) {
	const n = 1 << 16
	for name, vary := range map[string]func(k *connKey, i int){
		"client address": func(k *connKey, i int) { k.lo[14], k.lo[15] = byte(i>>8), byte(i) },
		"client port":    func(k *connKey, i int) { k.loPort = uint16(i) },
		"server address": func(k *connKey, i int) { k.hi[13], k.hi[15] = byte(i>>8), byte(i) },
	} {
		used := make(map[uint64]bool)
		for i := range n {
			k := connKey{lo: [16]byte{10: 0xff, 11: 0xff, 12: 198, 13: 51}, hi: [16]byte{10: 0xff, 11: 0xff, 12: 192, 15: 25}, loPort: 40000, hiPort: 25, v4: 1}
			vary(&k, i)
			used[k.hash()&(n-1)] = true
		}
		if frac := float64(len(used)) / n; frac < 0.6 {
			t.Errorf("%s: %d keys fill %.0f%% of %d slots, random ones 63%%", name, n, 100*frac, n)
		}
	}
}

// TestNodeComesFirst: tables and lists find an element's node at its
// address, so it must be the first field of every type they hold.
func TestNodeComesFirst(t *testing.T) {
	if off := unsafe.Offsetof(Conn{}.node); off != 0 {
		t.Errorf("Conn's node at offset %d", off)
	}
	if off := unsafe.Offsetof(tomb{}.node); off != 0 {
		t.Errorf("tomb's node at offset %d", off)
	}
}
