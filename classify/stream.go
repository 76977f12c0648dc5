package classify

import (
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// FindingEvent is a finding proven on a flow, handed to Config.Finding as
// soon as it is proven (streaming output) and at the latest just before
// the flow's record.
type FindingEvent struct {
	// Time is the time of the flow's last packet when the finding was
	// proven (packet time).
	Time time.Time
	// Flow is the flow as it stood then (its record so far); its Findings
	// are not final while the flow is open.
	Flow    *Flow
	Finding detect.Finding
}

// Advance moves the engine's clock to now when no packet came for a while,
// so that a quiet link still ends idle flows, writes closed flows after
// their linger time, streams the findings of the last packets and writes
// interim records. now is on the packets' clock: a live caller passes the
// last packet's time plus the wall-clock time elapsed since it arrived.
// Files never need it: packet time rules there.
func (e *Engine) Advance(now time.Time) {
	if e.now.IsZero() {
		return // no packet yet: nothing to expire, and no clock to extend
	}
	if now.After(e.now) {
		e.now = now
	}
	if e.cfg.Finding != nil {
		e.inspectDirty()
	}
	if !e.now.Before(e.nextExpire) {
		e.tick()
	}
}

// tick does the once-a-second work: expiry and interim records (and, when
// streaming, the inspection of every flow that grew, so a finding is not
// held back by a flow that keeps talking).
func (e *Engine) tick() {
	if e.cfg.Finding != nil {
		e.inspectDirty()
	}
	e.expire()
	e.interimDue()
	e.nextExpire = e.now.Add(e.tickEvery())
}

// tickEvery is the period of the expiry work: a second, and a fifth of
// one while streaming, so a closed flow's record follows its linger time
// closely.
func (e *Engine) tickEvery() time.Duration {
	if e.cfg.Finding != nil {
		return 200 * time.Millisecond
	}
	return time.Second
}

// snapshot is the record of an open flow as it stands. Labelling may drop
// a flow's guessed FTP data pairing for good, which only its final record
// may do, so the pairing is kept.
func (e *Engine) snapshot(f *flow, reason string) *Flow {
	x := f.expected
	r := e.build(f, reason)
	f.expected = x
	return r
}

// streamEarly hands over the findings of f that its bytes have settled.
// It runs after each inspection while streaming; a flow whose verdict did
// not change since the last call costs one comparison.
func (e *Engine) streamEarly(f *flow) {
	v := f.verdict()
	if len(v.Findings) == 0 && v.Protocol == "" && !v.TLS.Seen {
		return
	}
	x := e.outcomeOf(f)
	sig := uint32(len(v.Findings)) | uint32(len(v.Protocol))<<8 | uint32(v.TLS.Negotiated)<<16
	if v.Upgraded {
		sig |= 1 << 15
	}
	if !f.buffering {
		sig |= 1 << 14
	}
	if sig == x.streamSig {
		return
	}
	x.streamSig = sig
	r := e.snapshot(f, "")
	for _, x := range r.Findings {
		if e.settled(f, r, x) {
			e.send(f, r, x)
		}
	}
}

// noUpgrade lists the protocols that have no in-band TLS upgrade: once
// their plaintext is recognised, it stays plaintext.
var noUpgrade = map[string]bool{
	"hostserver": true, "drda": true, "rexec": true, "http": true,
	"smb": true, "netbios": true, "portmapper": true,
}

// settled reports whether finding x of the open flow f can no longer be
// taken back by bytes still to come. Detector findings report what was
// seen; policy findings wait until the flow's nature is known for good.
func (e *Engine) settled(f *flow, r *Flow, x detect.Finding) bool {
	v := f.verdict()
	switch x.Kind {
	case detect.KindPlaintextWhereTLSExpected:
		return !f.buffering || (noUpgrade[v.Protocol] && !v.Encrypted)
	case detect.KindPlaintextOnTLSPort:
		return !f.buffering || (v.Protocol != "" && !v.Encrypted)
	case detect.KindWeakTLSVersion:
		return v.TLS.Negotiated != 0 || !f.buffering
	case detect.KindRemappedPort:
		return r.LabelSource == SourceSignature || r.LabelSource == SourcePortmapper
	}
	return true
}

// streamFinal hands over every finding of the final record r not streamed
// yet, so the events of a flow always equal its record's findings.
func (e *Engine) streamFinal(f *flow, r *Flow) {
	if e.cfg.Finding == nil {
		return
	}
	for _, x := range r.Findings {
		e.send(f, r, x)
	}
}

// send streams x once per flow.
func (e *Engine) send(f *flow, r *Flow, x detect.Finding) {
	id := findingID(&x)
	ext := e.outcomeOf(f)
	for _, s := range ext.sent {
		if s == id {
			return
		}
	}
	ext.sent = append(ext.sent, id)
	e.stats.FindingEvents++
	ev := &FindingEvent{Time: unixTime(f.last), Flow: r, Finding: x}
	if e.keyed != nil {
		e.keyed(nil, ev, orderKey{seq: e.seq, phase: phaseEvent, touched: f.touched})
		return
	}
	e.cfg.Finding(ev)
}

// findingID identifies a finding within its flow (FNV-1a over its fields).
func findingID(x *detect.Finding) uint64 {
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	add(x.Kind)
	add(x.Severity)
	add(x.Message)
	add(x.User)
	add(x.Protocol)
	add(x.Mechanism)
	add(x.Record)
	h ^= uint64(x.Port)<<32 | uint64(x.Length)
	return h
}

// interimDue writes, once each Interim, an interim record of every open
// flow that started more than Interim ago: a walk of the table every few
// minutes instead of state in every flow.
func (e *Engine) interimDue() {
	if e.cfg.Interim <= 0 {
		return
	}
	if e.interimAt.IsZero() {
		e.interimAt = e.now.Add(e.cfg.Interim)
	}
	if e.now.Before(e.interimAt) {
		return
	}
	e.interimAt = e.now.Add(e.cfg.Interim)
	e.inspectDirty()
	before := e.now.Add(-e.cfg.Interim).UnixNano()
	for _, l := range []*flowList{&e.lists[listTCP], &e.lists[listUDP]} {
		for f := l.head; f != nil; f = f.next {
			if f.start <= before {
				r := e.snapshot(f, EndInterim)
				e.stats.Interim++
				e.phase = phaseInterim
				e.emit(f, r)
			}
		}
	}
}

// trackGap does the capture-loss accounting of one TCP segment.
func (e *Engine) trackGap(f *flow, p *capture.Packet, dir int) {
	if gap, acked := f.gaps.track(p, dir); gap != 0 || acked != 0 {
		e.stats.GapBytes = uint64(int64(e.stats.GapBytes) + gap)
		e.stats.AckedBytes += uint64(acked)
	}
}
