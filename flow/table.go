package flow

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// keySeeds seed the connection table's hash. They are random per
// process, so that traffic crafted to collide in the table cannot be made
// in advance; nothing the Tracker reports depends on them.
var keySeeds = [5]uint64{rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64()}

// hash returns the table hash of k: the key's five words mixed with the
// seeds by 64x64->128-bit multiplications, folded (the wyhash mix the Go
// runtime uses where it has no AES hash), then finalized: several times
// cheaper than maphash.Comparable on the 38-byte key (docs/performance.md).
func (k *connKey) hash() uint64 {
	return hashWords(binary.LittleEndian.Uint64(k.lo[0:8]), binary.LittleEndian.Uint64(k.lo[8:16]),
		binary.LittleEndian.Uint64(k.hi[0:8]), binary.LittleEndian.Uint64(k.hi[8:16]),
		uint64(k.loPort)|uint64(k.hiPort)<<16|uint64(k.v4)<<32)
}

// hashWords is the hash of a key whose address bytes, read as
// little-endian words, are a, b (lo) and c, d (hi), and whose ports and
// family are e.
func hashWords(a, b, c, d, e uint64) uint64 {
	a, b, c, d = a^keySeeds[0], b^keySeeds[1], c^keySeeds[2], d^keySeeds[3]
	h := mix(mix(a, b)^mix(c, d), e^keySeeds[4])
	// murmur3's finalizer: every bit of h reaches the low bits that pick
	// the slot, whatever the seeds.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// equal reports whether k and o are the same key, field by field: the
// compiler compares the 38-byte struct as a whole through memequal, a
// call and a loop, where this is five compares of registers.
func (k *connKey) equal(o *connKey) bool {
	return k.lo == o.lo && k.hi == o.hi && k.loPort == o.loPort && k.hiPort == o.hiPort && k.v4 == o.v4
}

// mix multiplies a and b into 128 bits and folds the halves together.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// keyTable maps connection keys to what the Tracker keeps (connections,
// tombs): open addressing with linear probing over slots of a hash and a
// pointer, the key itself read from the element's node (which the Tracker
// reads next anyway). A lookup costs one cache miss for the slot where
// Go's map cost two (control word, then key), and the hash of a decoded
// segment is computed ahead, on the decoding goroutine. Deletion shifts
// the entries after back, so there are no tombstones and lookups stay
// short however many keys come and go.
type keyTable[T Conn | tomb] struct {
	slots []tableSlot[T]
	mask  uint64
	n     int
}

type tableSlot[T Conn | tomb] struct {
	h uint64
	v *T // nil: empty
}

const minTableSlots = 1 << 10

// get returns the element with key k, whose hash is h, or nil.
func (t *keyTable[T]) get(k *connKey, h uint64) *T {
	if t.n == 0 {
		return nil
	}
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.v == nil {
			return nil
		}
		if s.h == h && nodeOf(s.v).key.equal(k) {
			return s.v
		}
	}
}

// put adds v, whose key is not in the table, with its key's hash h.
func (t *keyTable[T]) put(v *T, h uint64) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	i := h & t.mask
	for t.slots[i].v != nil {
		i = (i + 1) & t.mask
	}
	t.slots[i] = tableSlot[T]{h: h, v: v}
	t.n++
}

// del removes v, which is in the table with hash h.
func (t *keyTable[T]) del(v *T, h uint64) {
	i := h & t.mask
	for t.slots[i].v != v {
		if t.slots[i].v == nil {
			return // not there
		}
		i = (i + 1) & t.mask
	}
	// Shift back the entries after i whose probe went through i.
	for j := i; ; {
		j = (j + 1) & t.mask
		s := t.slots[j]
		if s.v == nil {
			break
		}
		home := s.h & t.mask
		// s stays where it is when its home lies cyclically in (i, j].
		if i <= j && i < home && home <= j || i > j && (i < home || home <= j) {
			continue
		}
		t.slots[i] = s
		i = j
	}
	t.slots[i] = tableSlot[T]{}
	t.n--
}

// grow doubles the table (or makes its first one).
func (t *keyTable[T]) grow() {
	old := t.slots
	t.slots = make([]tableSlot[T], max(minTableSlots, 2*len(old)))
	t.mask = uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.v != nil {
			i := s.h & t.mask
			for t.slots[i].v != nil {
				i = (i + 1) & t.mask
			}
			t.slots[i] = s
		}
	}
}
