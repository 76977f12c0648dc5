package classify

// head keeps the first bytes of one direction of a TCP stream in sequence
// order. It absorbs segmentation and retransmission; a segment that arrives
// ahead of a gap is written straight into the buffer at its place and
// remembered as a span, so reordering costs no memory beyond the buffer.
// When the gap does not close before the spans or the buffer run out, the
// head stops at the hole.
type head struct {
	buf    []byte // in-order bytes; nil until the first payload; grows up to the limit
	next   uint32 // sequence number of the byte after buf
	synced bool   // next is known (from the SYN or the first data segment)
	full   bool   // buf reached its limit
	hole   bool   // a gap never closed; buf ends at it
	done   bool   // the matched detector settled this direction: no more bytes are kept
	spans  [maxPending]span
	nspans uint8
}

// span is a stretch of the buffer beyond len(buf) that already holds
// out-of-order bytes: offsets lo (inclusive) to hi (exclusive).
// Offsets fit 32 bits (a head is at most --head-bytes long): a head is
// part of every buffering flow's detail, and tens of thousands of flows
// buffer at once on a busy link.
type span struct{ lo, hi int32 }

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

// grower gives a head room: a buffer holding old's bytes (all of old[:cap],
// so stretches beyond len survive) with capacity for at least need bytes,
// or nil when no memory is left.
type grower func(old []byte, need int) []byte

// add offers a segment to the head and reports whether the in-order bytes
// grew. limit is the head's size; grow provides room as bytes arrive.
func (h *head) add(seq uint32, data []byte, limit int, grow grower) bool {
	if h.full || h.hole || h.done || len(data) == 0 {
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
	if d > 0 {
		h.stash(int(d), data, limit, grow)
		return false
	}
	data = data[-d:] // drop what a retransmission repeats
	if !h.appendBytes(data, limit, grow) {
		return false
	}
	h.drain(limit)
	return true
}

// room makes sure the buffer can hold need bytes. Without memory the head
// keeps what it has and stops, as if full.
func (h *head) room(need int, grow grower) bool {
	if need <= cap(h.buf) {
		return true
	}
	b := grow(h.buf, need)
	if b == nil {
		h.full = true
		h.nspans = 0
		return false
	}
	h.buf = b
	return true
}

func (h *head) appendBytes(data []byte, limit int, grow grower) bool {
	if h.done {
		return false
	}
	room := limit - len(h.buf)
	if room <= 0 {
		h.full = true
		return false
	}
	full := false
	if len(data) >= room {
		data = data[:room]
		full = true
	}
	if !h.room(len(h.buf)+len(data), grow) {
		return false
	}
	h.buf = append(h.buf, data...)
	h.next += uint32(len(data))
	h.full = full
	return true
}

// stash writes a segment that lies gap bytes ahead of the next expected byte
// into its place in the buffer and remembers the stretch, merged with the
// stretches it touches. A segment beyond the buffer, or more separate
// stretches than a head remembers, mean the gap is taken as lost.
func (h *head) stash(gap int, data []byte, limit int, grow grower) {
	lo := len(h.buf) + gap
	if lo >= limit {
		h.lost()
		return
	}
	hi := min(lo+len(data), limit)
	if !h.room(hi, grow) {
		return
	}
	copy(h.buf[lo:hi], data)
	s := span{int32(lo), int32(hi)}
	for i := uint8(0); i < h.nspans; {
		if o := h.spans[i]; o.lo <= s.hi && s.lo <= o.hi {
			s = span{min(s.lo, o.lo), max(s.hi, o.hi)}
			h.nspans--
			h.spans[i] = h.spans[h.nspans]
			i = 0
			continue
		}
		i++
	}
	if h.nspans == maxPending {
		h.lost()
		return
	}
	h.spans[h.nspans] = s
	h.nspans++
}

// stopped reports whether the head takes no more bytes.
func (h *head) stopped() bool { return h.full || h.hole || h.done }

// lost gives up on a gap: the head ends at it.
func (h *head) lost() {
	h.hole = true
	h.nspans = 0
}

// drain extends the in-order bytes over every remembered stretch they now
// reach.
func (h *head) drain(limit int) {
	for moved := true; moved; {
		moved = false
		for i := uint8(0); i < h.nspans; i++ {
			lo, hi := int(h.spans[i].lo), int(h.spans[i].hi)
			if lo > len(h.buf) {
				continue
			}
			if hi > len(h.buf) {
				h.next += uint32(hi - len(h.buf))
				h.buf = h.buf[:hi]
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
