package sensor

import (
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/record"
)

// Pipeline turns what an engine emits into JSON lines on the outputs and
// keeps the tallies the metrics show. Its two methods are the engine's
// Emit and Finding callbacks.
type Pipeline struct {
	Out *Output
	// Syslog, when set, also gets every finding event (RFC 5424).
	Syslog *Output
	Sensor string
	Tally  Tally
	// OnRecord, when set, sees the flow of every final record (run
	// accounting).
	OnRecord func(f *classify.Flow)
	// Store, when set, also gets every record and event (--db); it must
	// not block (the store's writer queues and counts its drops).
	Store interface {
		Flow(r *record.Flow)
		Event(e *record.Event)
	}
	// Ship, when set, also gets every line of a record or event (--kafka),
	// keyed by the flow's server; it must not block either (the producer
	// queues and counts what it cannot send). It shares the line with Out.
	Ship interface {
		Line(server netip.AddrPort, line []byte) bool
	}

	worst atomic.Int32 // worst severity rank seen
}

// Emit writes one flow record. Without a store, which keeps records, the
// line is written straight from the flow (record.AppendFlowOf): no record
// is built. It keeps nothing of f, so an engine may reuse it
// (classify.Config.ReuseFlow).
func (p *Pipeline) Emit(f *classify.Flow) {
	if f.EndReason != classify.EndInterim {
		enc, known := record.EncryptedOf(f)
		p.Tally.flow(f.Service, enc, known)
		if p.OnRecord != nil {
			p.OnRecord(f)
		}
	}
	var line []byte
	if p.Store == nil {
		p.note(record.WorstOf(f))
		line = record.AppendFlowOf(make([]byte, 0, lineSize), f, record.FlowOptions{Sensor: p.Sensor})
	} else {
		rec := record.FromFlow(f)
		rec.Sensor = p.Sensor
		p.note(rec.Worst())
		p.Store.Flow(&rec)
		line = record.AppendFlow(make([]byte, 0, lineSize), &rec)
	}
	if p.Ship != nil {
		p.Ship.Line(f.Server, line)
	}
	p.Out.Send(line)
}

// lineSize is room for a typical line, so that its one allocation (the
// outputs own each line) is the only one.
const lineSize = 512

// Finding writes one finding event.
func (p *Pipeline) Finding(ev *classify.FindingEvent) {
	p.Tally.finding(ev.Finding.Kind, ev.Finding.Severity)
	p.note(ev.Finding.Severity)
	var line []byte
	var e *record.Event // built only for the store and syslog
	if p.Store == nil && p.Syslog == nil {
		line = record.AppendEventOf(make([]byte, 0, lineSize), ev, p.Sensor)
	} else {
		x := record.FromEvent(ev)
		x.Sensor, e = p.Sensor, &x
		if p.Store != nil {
			p.Store.Event(e)
		}
		line = record.AppendEvent(make([]byte, 0, lineSize), e)
	}
	if p.Ship != nil {
		p.Ship.Line(ev.Flow.Server, line)
	}
	p.Out.Send(line)
	if p.Syslog != nil {
		p.Syslog.Send(SyslogLine(e))
	}
}

func (p *Pipeline) note(sev string) {
	r := int32(record.SeverityRank(sev))
	for {
		w := p.worst.Load()
		if r <= w || p.worst.CompareAndSwap(w, r) {
			return
		}
	}
}

// Worst returns the rank (record.SeverityRank) of the worst severity seen.
func (p *Pipeline) Worst() int { return int(p.worst.Load()) }

// Tally counts final flow records by service and encryption, and findings
// by kind and severity, for the metrics. It is safe for concurrent use.
type Tally struct {
	mu       sync.Mutex
	flows    map[FlowClass]uint64
	findings map[FindingClass]uint64
}

// FlowClass is a service and its encryption state: "true", "false" or
// "unknown" (no payload, or payload that could not be judged).
type FlowClass struct{ Service, Encrypted string }

// FindingClass is a finding kind and severity.
type FindingClass struct{ Kind, Severity string }

// maxClasses bounds each tally: services come from the catalog and site
// file, but a bound keeps a strange site file from growing memory.
const maxClasses = 4096

func (t *Tally) flow(service string, encrypted, known bool) {
	enc := "unknown"
	if known {
		enc = strconv.FormatBool(encrypted)
	}
	c := FlowClass{service, enc}
	t.mu.Lock()
	if t.flows == nil {
		t.flows = map[FlowClass]uint64{}
	}
	if _, ok := t.flows[c]; ok || len(t.flows) < maxClasses {
		t.flows[c]++
	} else {
		t.flows[FlowClass{"other", enc}]++
	}
	t.mu.Unlock()
}

func (t *Tally) finding(kind, sev string) {
	c := FindingClass{kind, sev}
	t.mu.Lock()
	if t.findings == nil {
		t.findings = map[FindingClass]uint64{}
	}
	if _, ok := t.findings[c]; ok || len(t.findings) < maxClasses {
		t.findings[c]++
	}
	t.mu.Unlock()
}

// Flows returns a copy of the flow tally.
func (t *Tally) Flows() map[FlowClass]uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := make(map[FlowClass]uint64, len(t.flows))
	for k, v := range t.flows {
		m[k] = v
	}
	return m
}

// Findings returns a copy of the finding tally.
func (t *Tally) Findings() map[FindingClass]uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := make(map[FindingClass]uint64, len(t.findings))
	for k, v := range t.findings {
		m[k] = v
	}
	return m
}
