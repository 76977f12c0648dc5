package classify

import (
	"testing"
	"unsafe"
)

// TestFlowSize guards what every flow costs, payload or not: a SYN flood
// fills the table with flows that never reach a detector.
func TestFlowSize(t *testing.T) {
	// 160 bytes plus the pointer to the capture-loss and streaming
	// extension, which a flow gets only with its first ACK or data.
	if n := unsafe.Sizeof(flow{}); n > 168 {
		t.Errorf("flow is %d bytes, want at most 168 (heads and verdict belong in detail)", n)
	}
}
