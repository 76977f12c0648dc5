package classify

// prefetch asks the CPU to bring the cache line at addr closer without
// waiting for it (PREFETCHT0): a hint, never a fault, whatever addr is.
//
//go:noescape
func prefetch(addr uintptr)
