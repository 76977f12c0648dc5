package classify

import (
	"math"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// markDirty notes that f's heads grew. Detectors run lazily: before a new
// flow is created or a flow's record is written, every flow that grew since
// is inspected. That is early enough for what one flow teaches another (a
// port-mapper answer, an announced FTP data connection) and spares a chatty
// flow one inspection per packet.
func (e *Engine) markDirty(f *flow) {
	if !f.dirty {
		f.dirty = true
		e.dirty = append(e.dirty, f)
	}
}

// inspectDirty inspects every flow whose heads grew since its last
// inspection. The list may name a flow twice or one that was recycled; the
// dirty flag tells which still need it.
func (e *Engine) inspectDirty() {
	for i := 0; i < len(e.dirty); i++ {
		if f := e.dirty[i]; f.dirty && f.buffering {
			e.inspect(f)
			e.maybeStopBuffering(f)
		}
	}
	clear(e.dirty)
	e.dirty = e.dirty[:0]
}

// midWindow is how many bytes of each direction of a flow picked up
// mid-stream are searched for a point to resynchronise on (the TLS
// fallback's record headers, an LDAP message, chained host-server headers,
// an SMB header ...). Once both directions passed it and nothing matched,
// the flow stops buffering: a capture that starts in the middle of ten
// thousand connections costs each a few KiB, not the head limit. A record
// that starts further in than the window is not looked for.
const midWindow = 4096

// midView cuts a mid-stream head to the window; a cut head counts as full
// (bytes past it are not looked at).
func midView(b []byte, full bool) ([]byte, bool) {
	if len(b) > midWindow {
		return b[:midWindow], true
	}
	return b, full
}

// pastWindow reports whether a direction of a mid-stream flow has nothing
// more to offer the search: its window is there, or it takes no more
// bytes.
func pastWindow(h *head) bool { return len(h.buf) >= midWindow || h.stopped() }

// headFlags packs what else than their length tells heads apart for a
// detector: full and cut at a hole, per direction.
func headFlags(h0, h1 *head) uint8 {
	var f uint8
	for i, h := range [2]*head{h0, h1} {
		if h.full {
			f |= 1 << (2 * i)
		}
		if h.hole {
			f |= 2 << (2 * i)
		}
	}
	return f
}

// wait lowers the marks before which inspection is skipped to what one
// detector waits for (a zero field: the next byte of that direction).
func (d *detail) wait(w detect.Wait, in *detect.Input) {
	for dir, n := range [2]int{w.C2S, w.S2C} {
		if n <= 0 {
			n = len(in.C2S) + 1
			if dir == s2c {
				n = len(in.S2C) + 1
			}
		}
		d.until[dir] = min(d.until[dir], n)
	}
}

// maxUDPDatagrams is how many datagrams of a UDP flow are kept for the
// detectors.
const maxUDPDatagrams = 8

// maybeStopBuffering frees a flow's heads once nothing more can be learned
// from them: the TLS handshake is over, or both directions are full, cut
// at a hole or settled by the detector that matched.
func (e *Engine) maybeStopBuffering(f *flow) {
	if f.d == nil {
		return
	}
	v := f.verdict()
	done := false
	switch {
	case v.Encrypted && v.Protocol == "ssh":
		done = true
	case v.Encrypted && (v.TLS.Established || v.TLS.Alert):
		done = true
	case v.Upgraded && v.TLS.Established && v.Protocol != "ftp":
		// An FTP control connection may return to clear text (CCC), so
		// its heads are kept until they fill.
		done = true
	}
	h0, h1 := &f.d.heads[c2s], &f.d.heads[s2c]
	if h0.stopped() && h1.stopped() {
		done = true
	}
	// Every detector ruled the flow out: nothing will recognise it. A flow
	// picked up mid-stream gives up once both directions passed the
	// window its resynchronisation searches.
	if f.matched < 0 && !f.midStream && f.d.ruled == e.allRuled {
		done = true
	}
	if f.matched < 0 && f.midStream && pastWindow(h0) && pastWindow(h1) {
		done = true
	}
	if done {
		e.stopBuffering(f)
	}
}

func (e *Engine) stopBuffering(f *flow) {
	if f.dirty {
		e.inspect(f)
	}
	f.buffering = false
	e.release(f)
	if e.cfg.Finding != nil {
		e.streamEarly(f) // the verdict is final now
	}
}

// inspect runs the detectors over the heads. The detector that matched last
// time is asked first; the registry order decides otherwise. Until a head
// reaches what the detectors wait for (their Wait), asking again cannot
// change the verdict, and they are not asked.
func (e *Engine) inspect(f *flow) {
	f.dirty = false
	d := e.detail(f)
	h0, h1 := &d.heads[c2s], &d.heads[s2c]
	flags := headFlags(h0, h1)
	if len(h0.buf) < d.until[c2s] && len(h1.buf) < d.until[s2c] && flags == d.flags {
		return
	}
	d.flags = flags
	d.until = [2]int{math.MaxInt, math.MaxInt}
	cp, sp := f.k.pa, f.k.pb
	if !f.clientA {
		cp, sp = sp, cp
	}
	// The input and verdict live in the engine: passed to detectors
	// through function values they would escape, two allocations per
	// inspection.
	in, v := &e.in, &e.v
	*in = detect.Input{
		C2S: h0.buf, S2C: h1.buf,
		ClientPort: cp, ServerPort: sp,
		Transport: f.transport, MidStream: f.midStream,
		C2SFull: h0.full, S2CFull: h1.full,
		C2SHole: h0.hole, S2CHole: h1.hole,
	}
	if f.midStream && f.matched < 0 {
		// Until something matched, a flow picked up mid-stream is
		// searched in the window only, whatever the heads hold: the
		// verdict does not depend on when inspection ran.
		in.C2S, in.C2SFull = midView(in.C2S, in.C2SFull)
		in.S2C, in.S2CFull = midView(in.S2C, in.S2CFull)
	}
	*v = detect.Verdict{}
	matched := -1
	if f.matched >= 0 && e.dets[f.matched].Detect(in, v) {
		matched = int(f.matched)
	} else {
		for i := range e.dets {
			if d.ruled&(1<<i) != 0 {
				continue // it said "not me" before; more bytes cannot change that
			}
			*v = detect.Verdict{}
			det := &e.dets[i]
			if det.Detect(in, v) {
				matched = i
				break
			}
			if det.Reject != nil && det.Reject(in) {
				d.ruled |= 1 << i
				continue
			}
			d.wait(v.Wait, in)
		}
	}
	if matched < 0 {
		*v = detect.Verdict{}
		fallbackTLS(in, v)
		if f.midStream {
			d.wait(detect.Wait{}, in) // the fallback looks at every new byte
		}
	}
	settled := v.Done
	if matched >= 0 {
		d.wait(v.Wait, in)
		v.Done, v.Wait = [2]detect.Done{}, detect.Wait{}
	} else {
		settled = [2]detect.Done{}
	}
	f.matched = int8(matched)
	e.setVerdict(f, v)
	*in, *v = detect.Input{}, detect.Verdict{} // keep no head or finding alive
	for dir, done := range settled {
		if done.Final {
			e.settle(f, dir, done.Keep)
		}
	}
	e.learnFrom(f)
	if e.cfg.Finding != nil {
		e.streamEarly(f)
	}
}

// ruledOutBefore looks at the first segment of a direction before it is
// copied, when the other direction already holds bytes and nothing matched
// yet: if every detector rules the flow out on it (their Reject is sound
// for any bytes added later, to either head), the segment is never copied
// and the flow stops buffering there. On a busy link most flows carry bytes
// no detector knows, and the server's first segment of each was the largest
// single copy into the heads. Anything short of every detector saying "not
// me" leaves the segment to the usual path and the lazy inspection, so the
// verdict is the same as without this look.
func (e *Engine) ruledOutBefore(f *flow, dir int, seq uint32, data []byte) bool {
	d := f.d
	h, o := &d.heads[dir], &d.heads[1-dir]
	if e.noEarlyLook || f.matched >= 0 || f.midStream || len(o.buf) == 0 || len(h.buf) != 0 || h.stopped() || h.nspans != 0 ||
		(h.synced && seq != h.next) || e.allRuled == ^uint64(0) {
		return false
	}
	seg, full := data, false
	if len(seg) >= e.cfg.HeadBytes {
		seg, full = seg[:e.cfg.HeadBytes], true
	}
	if len(seg) < d.until[dir] && len(o.buf) < d.until[1-dir] && !full && headFlags(&d.heads[c2s], &d.heads[s2c]) == d.flags {
		return false // every detector asked waits for more than this: it cannot answer differently
	}
	cp, sp := f.k.pa, f.k.pb
	if !f.clientA {
		cp, sp = sp, cp
	}
	in, v := &e.in, &e.v
	*in = detect.Input{ClientPort: cp, ServerPort: sp, Transport: f.transport}
	if dir == c2s {
		in.C2S, in.C2SFull = seg, full
		in.S2C, in.S2CFull, in.S2CHole = o.buf, o.full, o.hole
	} else {
		in.S2C, in.S2CFull = seg, full
		in.C2S, in.C2SFull, in.C2SHole = o.buf, o.full, o.hole
	}
	ruled := d.ruled
	for i := range e.dets {
		if ruled&(1<<i) != 0 {
			continue
		}
		det := &e.dets[i]
		*v = detect.Verdict{}
		if det.Detect(in, v) || det.Reject == nil || !det.Reject(in) {
			break
		}
		ruled |= 1 << i
	}
	*in, *v = detect.Input{}, detect.Verdict{}
	if ruled != e.allRuled {
		return false
	}
	d.ruled = ruled
	e.earlyRuled++
	return true
}
