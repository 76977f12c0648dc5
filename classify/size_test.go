package classify

import (
	"testing"
	"unsafe"
)

// TestFlowSize guards what every flow costs, payload or not: a SYN flood
// fills the table with flows that never reach a detector.
func TestFlowSize(t *testing.T) {
	if n := unsafe.Sizeof(flow{}); n > 160 {
		t.Errorf("flow is %d bytes, want at most 160 (heads and verdict belong in detail)", n)
	}
}
