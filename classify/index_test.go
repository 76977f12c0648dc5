package classify

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestIndexAgainstMap drives the index and a Go map with the same random
// inserts and removals, with a tiny key space so probe chains collide,
// wrap around the end of the table and are cut by removals.
func TestIndexAgainstMap(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		r := rand.New(rand.NewPCG(seed, seed))
		x := newIndex()
		want := map[key]*flow{}
		for step := range 200000 {
			var k key
			k.a[15] = byte(r.IntN(40))
			k.b[0] = byte(r.IntN(2))
			k.pa = uint16(r.IntN(100))
			k.pb = uint16(r.IntN(2))
			k.vlan = uint16(r.IntN(2))
			k.proto = []uint8{6, 17}[r.IntN(2)]
			h := x.hash(&k)
			got := x.get(&k, h)
			if got != want[k] {
				t.Fatalf("seed %d step %d: get %v = %p, want %p", seed, step, k, got, want[k])
			}
			switch {
			case got == nil && r.IntN(3) > 0:
				f := &flow{k: k}
				x.put(f, h)
				want[k] = f
			case got != nil && r.IntN(2) == 0:
				x.remove(got, h)
				delete(want, k)
			}
			if x.len() != len(want) {
				t.Fatalf("seed %d step %d: len %d, want %d", seed, step, x.len(), len(want))
			}
		}
		for k, f := range want {
			if x.get(&k, x.hash(&k)) != f {
				t.Fatalf("seed %d: %v lost", seed, k)
			}
		}
	}
}

// TestIndexWrapsAndShifts pins the backward shift across the table's end:
// entries whose home is the last slot wrap to slot 0; removing the first
// of them must let the others still be found.
func TestIndexWrapsAndShifts(t *testing.T) {
	x := newIndex()
	last := x.mask
	var fs []*flow
	for i := range 4 {
		f := &flow{}
		f.k.pa = uint16(i)
		x.put(f, last|1) // forced collision at the last slot (h is odd)
		fs = append(fs, f)
	}
	x.remove(fs[0], last|1)
	for _, f := range fs[1:] {
		if x.get(&f.k, last|1) != f {
			t.Fatalf("flow %d lost after a removal across the table's end", f.k.pa)
		}
	}
	if x.slots[0].f == nil || x.slots[x.mask].f == nil {
		t.Fatalf("chain not shifted back over the end")
	}
}

// TestEndpointLessOrdersBytes: the word-wise comparison orders endpoints
// exactly as their address bytes, then ports, do (the flow key's
// orientation, and so every record's client and server, rest on it).
func TestEndpointLessOrdersBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	pick := func() ([16]byte, uint16) {
		var a [16]byte
		for i := range a {
			a[i] = byte(r.IntN(3)) * 0x7F // few values: equal prefixes are common
		}
		return a, uint16(r.IntN(3))
	}
	for range 100000 {
		a, pa := pick()
		b, pb := pick()
		want := bytes.Compare(a[:], b[:]) < 0 || (a == b && pa < pb)
		if got := endpointLess(a, pa, b, pb); got != want {
			t.Fatalf("endpointLess(%x:%d, %x:%d) = %v, want %v", a, pa, b, pb, got, want)
		}
	}
}

// TestKeyEqual: the field-by-field comparison agrees with == on keys that
// differ in one field at a time (the index relies on it when two keys
// share a hash).
func TestKeyEqual(t *testing.T) {
	base := key{pa: 1, pb: 2, vlan: 3, proto: 6}
	base.a[15], base.b[15] = 1, 2
	variants := []func(*key){
		func(k *key) {},
		func(k *key) { k.a[0] ^= 1 }, func(k *key) { k.a[15] ^= 1 },
		func(k *key) { k.b[0] ^= 1 }, func(k *key) { k.b[15] ^= 1 },
		func(k *key) { k.pa++ }, func(k *key) { k.pb++ },
		func(k *key) { k.vlan++ }, func(k *key) { k.proto = 17 },
	}
	for i, change := range variants {
		o := base
		change(&o)
		if got, want := base.equal(&o), base == o; got != want {
			t.Errorf("variant %d: equal = %v, == says %v", i, got, want)
		}
	}
}
