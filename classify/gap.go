package classify

import "github.com/ibmitap/ibmitap/capture"

// gapState is the capture-loss account of one TCP flow, kept the way Zeek's
// capture_loss does it: a receiver that acknowledges bytes the sensor never
// saw from the sender proves that the sensor missed them (a SPAN port that
// dropped, a kernel that dropped). Per direction, those bytes are the gap.
// Without an acknowledgement from the other side (a one-way capture) there
// is no estimate, and no gap is counted.
type gapState struct {
	nxt  [2]uint32 // end of the stretch seen without a hole from each side (SYN and FIN count one)
	seen [2]bool   // nxt is known: the side sent something
	// oo is one stretch seen beyond a hole (the segment before it was
	// missed); an acknowledgement across the hole takes it into account.
	ooLo, ooHi [2]uint32
	ackHi      [2]uint32 // highest acknowledgement of each side's bytes
	acked      [2]bool   // ackHi is known
	// hole is the last gap counted per direction, so that a segment the
	// sensor sees after its acknowledgement (reordered on the way to the
	// SPAN port) takes its bytes back out.
	holeLo, holeHi [2]uint32
	gap            [2]uint64
}

// maxLeap bounds how far a sequence or acknowledgement number may run ahead
// of what was seen and still count: beyond it the number is garbage (or a
// middlebox's rewrite), not loss.
const maxLeap = 1 << 30

// seqAfter reports whether a is later than b in sequence space (wrapping).
func seqAfter(a, b uint32) bool { return int32(a-b) > 0 }

// ahead returns how far a lies ahead of b in sequence space, 0 when it does
// not or lies implausibly far.
func ahead(a, b uint32) int64 {
	d := int64(int32(a - b))
	if d <= 0 || d >= maxLeap {
		return 0
	}
	return d
}

// track accounts one TCP segment of direction dir and returns the change of
// the gap and the bytes newly acknowledged (for the engine's totals). A RST
// carries no trustworthy acknowledgement and is ignored.
func (g *gapState) track(p *capture.Packet, dir int) (gap, acked int64) {
	if p.TCPFlags&capture.FlagRST != 0 {
		return 0, 0
	}
	n := max(p.DataLen, len(p.Payload)) // a source that left DataLen unset
	start := p.Seq
	end := start + uint32(n)
	if p.TCPFlags&capture.FlagSYN != 0 {
		end++
	}
	if p.TCPFlags&capture.FlagFIN != 0 {
		end++
	}
	g.sent(dir, start, end)
	if n > 0 {
		gap -= g.fill(dir, start, end)
	}
	if p.TCPFlags&capture.FlagACK == 0 {
		return gap, 0
	}
	o := 1 - dir // the acknowledgement is for the other side's bytes
	if !g.seen[o] {
		return gap, 0 // nothing seen from the sender: no estimate
	}
	ack := p.Ack
	if !g.acked[o] {
		g.acked[o], g.ackHi[o] = true, ack
	} else if d := ahead(ack, g.ackHi[o]); d > 0 {
		acked = d
		g.ackHi[o] = ack
	}
	if d := ahead(ack, g.nxt[o]); d > 0 {
		missing := d - overlap(g.nxt[o], ack, g.ooLo[o], g.ooHi[o])
		g.gap[o] += uint64(missing)
		gap += missing
		g.holeLo[o], g.holeHi[o] = g.nxt[o], ack
		g.nxt[o] = ack
		g.absorb(o)
	}
	return gap, acked
}

// sent notes that side dir sent sequence space [start, end).
func (g *gapState) sent(dir int, start, end uint32) {
	switch {
	case !g.seen[dir]:
		g.seen[dir], g.nxt[dir] = true, end
		// Acknowledgements count from the first byte seen on.
		g.acked[dir], g.ackHi[dir] = true, start
	case !seqAfter(start, g.nxt[dir]): // in order, or a retransmission
		if ahead(end, g.nxt[dir]) > 0 {
			g.nxt[dir] = end
			g.absorb(dir)
		}
	case ahead(start, g.nxt[dir]) > 0: // beyond a hole
		switch {
		case g.ooLo[dir] == g.ooHi[dir]:
			g.ooLo[dir], g.ooHi[dir] = start, end
		case !seqAfter(start, g.ooHi[dir]) && !seqAfter(g.ooLo[dir], start) && seqAfter(end, g.ooHi[dir]):
			g.ooHi[dir] = end // extends the stretch
		}
		// A second stretch beyond another hole is not remembered: its
		// bytes would count as missing (rare: two holes at once).
	}
}

// absorb merges the stretch beyond the hole into the in-order part once
// the in-order end reached it.
func (g *gapState) absorb(dir int) {
	lo, hi := g.ooLo[dir], g.ooHi[dir]
	if lo == hi || seqAfter(lo, g.nxt[dir]) {
		return
	}
	if seqAfter(hi, g.nxt[dir]) {
		g.nxt[dir] = hi
	}
	g.ooLo[dir], g.ooHi[dir] = 0, 0
}

// overlap returns the length of the intersection of [a0, a1) and [b0, b1)
// in sequence space.
func overlap(a0, a1, b0, b1 uint32) int64 {
	if b0 == b1 {
		return 0
	}
	lo, hi := a0, a1
	if seqAfter(b0, lo) {
		lo = b0
	}
	if seqAfter(hi, b1) {
		hi = b1
	}
	return ahead(hi, lo)
}

// fill takes the part of [lo, hi) that falls into the last counted hole of
// dir back out of the gap: the segment was late, not lost.
func (g *gapState) fill(dir int, lo, hi uint32) int64 {
	hl, hh := g.holeLo[dir], g.holeHi[dir]
	n := overlap(lo, hi, hl, hh)
	if n == 0 {
		return 0
	}
	n = min(n, int64(g.gap[dir]))
	g.gap[dir] -= uint64(n)
	// Shrink the hole from the end the segment covered, so the same bytes
	// do not come back out twice (a segment in the middle of the hole
	// leaves it as it is; the gap itself bounds what can come out).
	if !seqAfter(lo, hl) {
		g.holeLo[dir] = hi
	} else if !seqAfter(hh, hi) {
		g.holeHi[dir] = lo
	}
	if !seqAfter(g.holeHi[dir], g.holeLo[dir]) {
		g.holeLo[dir], g.holeHi[dir] = 0, 0
	}
	return n
}
