package classify

// head keeps the first bytes of one direction of a TCP stream in sequence
// order. It absorbs segmentation and retransmission, and holds a few segments
// that arrive ahead of a gap; when the gap does not close before that room
// runs out, the head stops at the hole.
type head struct {
	buf     []byte // in-order bytes; nil until the first payload
	next    uint32 // sequence number of the byte after buf
	synced  bool   // next is known (from the SYN or the first data segment)
	full    bool   // buf reached its limit
	hole    bool   // a gap never closed; buf ends at it
	pending []segment
}

// segment is an out-of-order piece waiting for the gap before it to close.
type segment struct {
	seq  uint32
	data []byte
}

// maxPending bounds how many out-of-order segments a head holds.
const maxPending = 8

// seqDiff returns a-b in sequence space (wrapping).
func seqDiff(a, b uint32) int32 { return int32(a - b) }

// syn records the initial sequence number of the direction.
func (h *head) syn(seq uint32) {
	if !h.synced && len(h.buf) == 0 {
		h.next = seq + 1
		h.synced = true
	}
}

// add offers a segment to the head and reports whether the in-order bytes
// grew. limit is the head's size; alloc provides the buffer on first use.
func (h *head) add(seq uint32, data []byte, limit int, alloc func() []byte) bool {
	if h.full || h.hole || len(data) == 0 {
		return false
	}
	if !h.synced {
		h.next = seq
		h.synced = true
	}
	if h.buf == nil {
		h.buf = alloc()
		if h.buf == nil {
			h.full = true // no memory budget: treat as full, counted by the caller
			return false
		}
	}
	d := seqDiff(seq, h.next)
	switch {
	case d > 0:
		h.stash(seq, data, limit)
		return false
	case d < 0:
		// Retransmission or overlap: keep only what is new.
		if int(-d) >= len(data) {
			return false
		}
		data = data[-d:]
	}
	grew := h.appendBytes(data, limit)
	for grew && !h.full && len(h.pending) > 0 {
		if !h.drain(limit) {
			break
		}
	}
	return grew
}

func (h *head) appendBytes(data []byte, limit int) bool {
	room := limit - len(h.buf)
	if room <= 0 {
		h.full = true
		return false
	}
	if len(data) >= room {
		data = data[:room]
		h.full = true
	}
	h.buf = append(h.buf, data...)
	h.next += uint32(len(data))
	return true
}

// stash keeps a segment that lies ahead of the next expected byte. Once the
// room for pending segments is used up the gap is taken as lost.
func (h *head) stash(seq uint32, data []byte, limit int) {
	if seqDiff(seq, h.next) > int32(limit) {
		return // far beyond what the head will ever hold
	}
	for _, s := range h.pending {
		if s.seq == seq && len(s.data) >= len(data) {
			return
		}
	}
	if len(h.pending) >= maxPending {
		h.hole = true
		h.pending = h.pending[:0]
		return
	}
	room := limit - len(h.buf)
	if len(data) > room {
		data = data[:room]
	}
	// pending data is copied: the packet buffer is reused by the reader.
	var s segment
	s.seq = seq
	if n := len(h.pending); n < cap(h.pending) {
		s.data = append(h.pending[:n+1][n].data[:0], data...)
	} else {
		s.data = append([]byte(nil), data...)
	}
	h.pending = append(h.pending, s)
}

// drain moves the pending segments that now touch the in-order bytes into the
// buffer. It reports whether anything moved.
func (h *head) drain(limit int) bool {
	moved := false
	for i := 0; i < len(h.pending); {
		s := h.pending[i]
		d := seqDiff(s.seq, h.next)
		if d > 0 {
			i++
			continue
		}
		if int(-d) < len(s.data) {
			h.appendBytes(s.data[-d:], limit)
			moved = true
		}
		last := len(h.pending) - 1
		h.pending[i], h.pending[last] = h.pending[last], h.pending[i]
		h.pending = h.pending[:last]
		i = 0
	}
	return moved
}

// release returns the head's buffer (for reuse) and empties the head except
// for its flags.
func (h *head) release() []byte {
	b := h.buf
	h.buf = nil
	h.pending = h.pending[:0]
	return b
}
