package classify

import (
	"bytes"
	"testing"
)

func TestHeadReassembly(t *testing.T) {
	alloc := func() []byte { return make([]byte, 0, 64) }
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
				h.add(s.seq, []byte(s.data), tt.limit, alloc)
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
	alloc := func() []byte { return make([]byte, 0, 4096) }
	h.add(1, []byte("a"), 4096, alloc)
	// The segment at 2 is lost; more than maxPending segments pile up behind it.
	for i := 0; i <= maxPending; i++ {
		h.add(uint32(3+i), []byte("x"), 4096, alloc)
	}
	if !h.hole {
		t.Fatal("head did not give up on a gap that never closed")
	}
	if string(h.buf) != "a" {
		t.Errorf("buf = %q, want the bytes before the hole", h.buf)
	}
	if h.add(2, []byte("b"), 4096, alloc) {
		t.Error("a head with a hole still grew")
	}
}
