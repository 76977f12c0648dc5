package classify

import (
	"testing"
	"unsafe"
)

// TestFlowSize guards what every flow costs, payload or not: a SYN flood
// fills the table with flows that never reach a detector.
func TestFlowSize(t *testing.T) {
	// 160 bytes, the pointer to the capture-loss and streaming extension
	// (which a flow gets only with its first ACK or data) and the number
	// of the packet that last touched it (a Pool's merge order): a Go
	// size class of 176.
	if n := unsafe.Sizeof(flow{}); n > 176 {
		t.Errorf("flow is %d bytes, want at most 176 (heads and verdict belong in detail)", n)
	}
}
