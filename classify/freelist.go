package classify

// freeList recycles values of one kind (details, outcomes) so the steady
// state allocates nothing, but keeps idle at most a quarter of the values
// in use plus a small floor: a burst of tens of thousands of buffering
// flows must not pin its peak of state for the rest of a run. What does
// not fit is left to the garbage collector.
type freeList[T any] struct {
	idle  []*T
	inUse int
}

// freeFloor is how many idle values a free list keeps whatever the use.
const freeFloor = 64

// get returns a zero value, recycled when one is idle.
func (l *freeList[T]) get() *T {
	l.inUse++
	if n := len(l.idle); n > 0 {
		x := l.idle[n-1]
		l.idle[n-1] = nil
		l.idle = l.idle[:n-1]
		return x
	}
	return new(T)
}

// put takes back x, which the caller has reset (to its zero value, or
// keeping buffers it wants reused).
func (l *freeList[T]) put(x *T) {
	l.inUse--
	limit := l.inUse/idleShare + freeFloor
	if len(l.idle) < limit {
		l.idle = append(l.idle, x)
		return
	}
	// Use fell: let go of what is beyond the limit now.
	for len(l.idle) > limit {
		l.idle[len(l.idle)-1] = nil
		l.idle = l.idle[:len(l.idle)-1]
	}
}
