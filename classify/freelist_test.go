package classify

import "testing"

// TestStateFreeListBounded: after a burst of 10,000 values in use, all given
// back, the list keeps no more than its floor idle; while many are in use
// it keeps about a quarter of them; and a value put back is the next one
// handed out (the steady state allocates nothing).
func TestStateFreeListBounded(t *testing.T) {
	var l freeList[detail]
	var held []*detail
	for range 10000 {
		held = append(held, l.get())
	}
	for _, d := range held[:5000] {
		l.put(d)
	}
	if n, max := len(l.idle), 5000/idleShare+freeFloor; n > max {
		t.Errorf("%d idle with 5000 in use, want at most %d", n, max)
	}
	for _, d := range held[5000:] {
		l.put(d)
	}
	if len(l.idle) > freeFloor || l.inUse != 0 {
		t.Errorf("%d idle and %d in use after everything came back, want at most %d and 0", len(l.idle), l.inUse, freeFloor)
	}
	x := l.get()
	l.put(x)
	if l.get() != x {
		t.Error("a value put back was not handed out again")
	}
}
