package classify

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"

	"github.com/ibmitap/ibmitap/capture"
)

// index finds a live flow by its key. It is an open-addressing hash table
// with linear probing and backward-shift deletion (no tombstones), written
// for this one job instead of a map[key]*flow: a slot holds the key's hash
// next to the flow pointer, so a lookup touches one slot and then the flow
// itself, whose key it compares in the cache line the packet needs anyway.
// A Go map compares the 40-byte key in its own slot first, one more cache
// miss per packet when tens of thousands of flows are open (a busy SPAN
// port). The table starts small and doubles while it is more than three
// quarters full, so a quiet sensor does not hold a table sized for its
// flood limit.
//
// The hash is seeded at random per engine: an attacker who can choose
// addresses and ports (a spoofed SYN flood) must not be able to pile every
// flow onto one probe chain.
type index struct {
	slots []slot
	mask  uint64
	n     int
	seed  uint64
}

// slot is one entry of the index; f == nil means empty. h is never 0 for a
// used slot (the hash's low bit is forced), which keeps comparisons to one
// word before the flow is touched.
type slot struct {
	h uint64
	f *flow
}

// minIndex is the smallest table (a power of two).
const minIndex = 1 << 10

func newIndex() index {
	return index{slots: make([]slot, minIndex), mask: minIndex - 1, seed: rand.Uint64() | 1}
}

// mul128 folds two words into one with a full 64×64→128 multiplication (the
// core step of wyhash, a fact of the published design, written here anew).
func mul128(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hash returns k's hash under the index's seed; never 0.
func (x *index) hash(k *key) uint64 {
	const (
		m1 = 0xa0761d6478bd642f
		m2 = 0xe7037ed1a0b428db
		m3 = 0x8ebc6af09c88c6e3
	)
	ports := uint64(k.pa) | uint64(k.pb)<<16 | uint64(k.vlan)<<32 | uint64(k.proto)<<48
	h := mul128(binary.LittleEndian.Uint64(k.a[:8])^x.seed, binary.LittleEndian.Uint64(k.a[8:])^m1)
	h = mul128(h^binary.LittleEndian.Uint64(k.b[:8]), binary.LittleEndian.Uint64(k.b[8:])^m2)
	h = mul128(h^ports, m3^x.seed)
	return h | 1
}

// get returns the flow of k (hash h), or nil.
func (x *index) get(k *key, h uint64) *flow {
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := &x.slots[i]
		if s.f == nil {
			return nil
		}
		if s.h == h && s.f.k.equal(k) {
			return s.f
		}
	}
}

// put adds f under its key (hash h); the key must not be present.
func (x *index) put(f *flow, h uint64) {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	x.insert(slot{h, f})
	x.n++
}

func (x *index) insert(s slot) {
	i := s.h & x.mask
	for x.slots[i].f != nil {
		i = (i + 1) & x.mask
	}
	x.slots[i] = s
}

// grow doubles the table and places every entry again.
func (x *index) grow() {
	old := x.slots
	x.slots = make([]slot, 2*len(old))
	x.mask = uint64(len(x.slots) - 1)
	for _, s := range old {
		if s.f != nil {
			x.insert(s)
		}
	}
}

// remove takes f (stored under hash h) out of the index, if it is there.
// The entries after it in its probe chain move back, so no chain is ever
// broken by a hole.
func (x *index) remove(f *flow, h uint64) {
	i := h & x.mask
	for x.slots[i].f != f {
		if x.slots[i].f == nil {
			return
		}
		i = (i + 1) & x.mask
	}
	for j := (i + 1) & x.mask; ; j = (j + 1) & x.mask {
		s := x.slots[j]
		if s.f == nil {
			break
		}
		// s may fill the hole at i unless its home lies cyclically in
		// (i, j]: then moving it before its home would hide it.
		if home := s.h & x.mask; (j-home)&x.mask >= (j-i)&x.mask {
			x.slots[i] = s
			i = j
		}
	}
	x.slots[i] = slot{}
	x.n--
}

// len returns the number of flows in the index.
func (x *index) len() int { return x.n }

// lookup returns the live flow of p, or nil (for tests and tools).
func (e *Engine) lookup(p *capture.Packet) *flow {
	k := makeKey(p)
	return e.flows.get(&k, e.flows.hash(&k))
}
