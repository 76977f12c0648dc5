package classify

import (
	"testing"
	"unsafe"
)

// TestFlowSize guards what every flow costs, payload or not: a SYN flood
// fills the table with flows that never reach a detector.
func TestFlowSize(t *testing.T) {
	// 176 bytes of key, orientation, counters, times, TCP state and
	// links, and the 72 bytes of capture-loss accounting that every TCP
	// segment updates (kept inline: behind a pointer it cost a cache miss
	// per packet on a busy link): a Go size class of 256, four cache
	// lines, of which a packet touches the first two or three.
	if n := unsafe.Sizeof(flow{}); n > 248 {
		t.Errorf("flow is %d bytes, want at most 248 (heads and verdict belong in detail)", n)
	}
}
