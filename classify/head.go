package classify

// head keeps the first bytes of one direction of a TCP stream in sequence
// order. It absorbs segmentation and retransmission; a segment that arrives
// ahead of a gap is written straight into the buffer at its place and
// remembered as a span, so reordering costs no memory beyond the buffer.
// When the gap does not close before the spans or the buffer run out, the
// head stops at the hole.
type head struct {
	buf    []byte // in-order bytes; nil until the first payload; cap is the limit
	next   uint32 // sequence number of the byte after buf
	synced bool   // next is known (from the SYN or the first data segment)
	full   bool   // buf reached its limit
	hole   bool   // a gap never closed; buf ends at it
	spans  [maxPending]span
	nspans int
}

// span is a stretch of the buffer beyond len(buf) that already holds
// out-of-order bytes: offsets lo (inclusive) to hi (exclusive).
type span struct{ lo, hi int }

// maxPending bounds how many out-of-order stretches a head remembers.
const maxPending = 8

// window is how far from the expected sequence number a segment may lie and
// still be taken as part of this stream: beyond it the number is garbage or
// from another connection, and the segment is ignored.
const window = 1 << 30

// seqDiff returns a-b in sequence space (wrapping), widened so that negating
// it cannot overflow.
func seqDiff(a, b uint32) int64 { return int64(int32(a - b)) }

// syn records the initial sequence number of the direction.
func (h *head) syn(seq uint32) {
	if !h.synced && len(h.buf) == 0 {
		h.next = seq + 1
		h.synced = true
	}
}

// add offers a segment to the head and reports whether the in-order bytes
// grew. limit is the head's size; alloc provides the buffer on first use
// (nil when no memory is left).
func (h *head) add(seq uint32, data []byte, limit int, alloc func() []byte) bool {
	if h.full || h.hole || len(data) == 0 {
		return false
	}
	if !h.synced {
		h.next = seq
		h.synced = true
	}
	d := seqDiff(seq, h.next)
	if d >= window || d <= -window {
		return false
	}
	if d < 0 && -d >= int64(len(data)) {
		return false // all of it was seen already
	}
	if h.buf == nil {
		if h.buf = alloc(); h.buf == nil {
			return false
		}
	}
	if d > 0 {
		h.stash(int(d), data, limit)
		return false
	}
	data = data[-d:] // drop what a retransmission repeats
	if !h.appendBytes(data, limit) {
		return false
	}
	h.drain(limit)
	return true
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

// stash writes a segment that lies gap bytes ahead of the next expected byte
// into its place in the buffer. A segment beyond the buffer, or more
// stretches than a head remembers, mean the gap is taken as lost.
func (h *head) stash(gap int, data []byte, limit int) {
	lo := len(h.buf) + gap
	if lo >= limit || h.nspans == maxPending {
		h.hole = true
		h.nspans = 0
		return
	}
	n := copy(h.buf[lo:limit], data)
	h.spans[h.nspans] = span{lo, lo + n}
	h.nspans++
}

// drain extends the in-order bytes over every remembered stretch they now
// reach.
func (h *head) drain(limit int) {
	for moved := true; moved; {
		moved = false
		for i := 0; i < h.nspans; i++ {
			s := h.spans[i]
			if s.lo > len(h.buf) {
				continue
			}
			if s.hi > len(h.buf) {
				h.next += uint32(s.hi - len(h.buf))
				h.buf = h.buf[:s.hi]
				if len(h.buf) >= limit {
					h.full = true
				}
			}
			h.nspans--
			h.spans[i] = h.spans[h.nspans]
			moved = true
			break
		}
	}
}

// release returns the head's buffer (for reuse) and empties the head except
// for its flags.
func (h *head) release() []byte {
	b := h.buf
	h.buf = nil
	h.nspans = 0
	return b
}
