package classify

import (
	"bytes"
	"testing"
)

func TestHeadReassembly(t *testing.T) {
	type seg struct {
		seq  uint32
		data string
	}
	tests := []struct {
		name  string
		syn   bool
		segs  []seg
		limit int
		want  string
		full  bool
		hole  bool
	}{
		{"in order", true, []seg{{101, "abc"}, {104, "def"}}, 64, "abcdef", false, false},
		{"retransmission", true, []seg{{101, "abc"}, {101, "abc"}, {104, "def"}}, 64, "abcdef", false, false},
		{"overlap", true, []seg{{101, "abcd"}, {103, "cdef"}}, 64, "abcdef", false, false},
		{"reordered", true, []seg{{104, "def"}, {107, "ghi"}, {101, "abc"}}, 64, "abcdefghi", false, false},
		{"limit", true, []seg{{101, "abcdef"}}, 4, "abcd", true, false},
		{"no syn starts at first data", false, []seg{{5000, "xy"}, {5002, "z"}}, 64, "xyz", false, false},
		{"wraparound", true, []seg{{0xFFFFFFFF - 1, "ab"}, {0, "cd"}}, 64, "abcd", false, false},
		{"old data ignored", true, []seg{{101, "abc"}, {50, "zz"}}, 64, "abc", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h head
			if tt.syn {
				if tt.name == "wraparound" {
					h.syn(0xFFFFFFFF - 2)
				} else {
					h.syn(100)
				}
			}
			for _, s := range tt.segs {
				h.add(s.seq, []byte(s.data), tt.limit, testGrow)
			}
			if !bytes.Equal(h.buf, []byte(tt.want)) {
				t.Errorf("buf = %q, want %q", h.buf, tt.want)
			}
			if h.full != tt.full || h.hole != tt.hole {
				t.Errorf("full, hole = %v, %v; want %v, %v", h.full, h.hole, tt.full, tt.hole)
			}
		})
	}
}

func TestHeadHoleAfterTooManyPending(t *testing.T) {
	var h head
	h.syn(0)
	h.add(1, []byte("a"), 4096, testGrow)
	// The segment at 2 is lost; more separate stretches than a head
	// remembers pile up behind it (every other byte, so none touch).
	for i := 0; i <= maxPending; i++ {
		h.add(uint32(3+2*i), []byte("x"), 4096, testGrow)
	}
	if !h.hole {
		t.Fatal("head did not give up on a gap that never closed")
	}
	if string(h.buf) != "a" {
		t.Errorf("buf = %q, want the bytes before the hole", h.buf)
	}
	if h.add(2, []byte("b"), 4096, testGrow) {
		t.Error("a head with a hole still grew")
	}
}

// TestHeadReverseOrder: segments arriving last to first (2 bytes each, far
// more than maxPending of them) merge into one stretch and reassemble.
func TestHeadReverseOrder(t *testing.T) {
	msg := "USER bob\r\nPASS secret123\r\n"
	var h head
	h.syn(99)
	for off := len(msg) - 2; off >= 0; off -= 2 {
		h.add(uint32(100+off), []byte(msg[off:off+2]), 4096, testGrow)
	}
	if string(h.buf) != msg || h.hole {
		t.Errorf("buf = %q hole = %v, want %q", h.buf, h.hole, msg)
	}
}

// TestHeadGrowsOnDemand: a head starts small and keeps out-of-order bytes
// when it moves to a larger buffer.
func TestHeadGrowsOnDemand(t *testing.T) {
	var h head
	h.syn(0)
	h.add(1+600, []byte("later"), 4096, testGrow) // beyond the first buffer
	h.add(1, make([]byte, 600), 4096, testGrow)
	if len(h.buf) != 605 || string(h.buf[600:]) != "later" {
		t.Errorf("len %d tail %q", len(h.buf), h.buf[600:])
	}
}

// testGrow is a grower without a budget that doubles like the engine.
func testGrow(old []byte, need int) []byte {
	b := make([]byte, len(old), max(need, 2*cap(old), 64))
	copy(b[:cap(old)], old[:cap(old)])
	return b
}

// noGrow is a grower with no memory at all.
func noGrow([]byte, int) []byte { return nil }

func TestHeadWithoutMemory(t *testing.T) {
	var h head
	h.syn(0)
	if h.add(1, []byte("abc"), 4096, noGrow) || h.buf != nil || !h.full {
		t.Errorf("grew without memory: buf %q full %v", h.buf, h.full)
	}
}
