package main

import (
	"sync"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify"
	"github.com/ibmitap/ibmitap/record"
)

// runAccount gathers what the run summary needs from the flows: the time
// span and the payload and gap bytes. It reads the classifier's flows, not
// records, so the paths that write bytes straight from them build none. It
// is safe for concurrent use (watch's workers share one).
type runAccount struct {
	mu           sync.Mutex
	seen         bool
	start, end   time.Time
	payload, gap uint64
}

func newRunAccount() *runAccount { return &runAccount{} }

func (a *runAccount) add(f *classify.Flow) {
	a.mu.Lock()
	if !a.seen || f.Start.Before(a.start) {
		a.start = f.Start
	}
	if !a.seen || f.End.After(a.end) {
		a.end = f.End
	}
	a.seen = true
	a.payload += f.BytesC2S + f.BytesS2C
	a.gap += f.GapBytesC2S + f.GapBytesS2C
	a.mu.Unlock()
}

// span returns the earliest start and the latest end in record.TimeLayout,
// empty before any flow.
func (a *runAccount) span() (start, end string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.seen {
		return "", ""
	}
	return record.FormatTime(a.start.UTC()), record.FormatTime(a.end.UTC())
}

// runSummary assembles the run summary (ibmitap.run/1) of one read from its
// counters, so that JSON lines, a store and a report carry their coverage.
func runSummary(inputs []string, cs []capture.Stats, es classify.Stats, a *runAccount) record.Run {
	r := record.Run{
		Schema:       record.RunSchema,
		Inputs:       append([]string{}, inputs...),
		Flows:        es.Emitted,
		Evicted:      es.Evicted,
		GapBytes:     a.gap,
		PayloadBytes: a.payload,
		// Without an acknowledgement seen (UDP only, one-way captures)
		// the loss cannot be estimated, which is not the same as none.
		CaptureLoss: -1,
	}
	r.Start, r.End = a.span()
	for _, s := range cs {
		r.Packets += s.Packets
		r.Decoded += s.Decoded
		for name, n := range s.Skips() {
			if r.Skipped == nil {
				r.Skipped = map[string]uint64{}
			}
			r.Skipped[name] += n
		}
		for _, c := range s.UndecodableCounts() {
			if r.Undecodable == nil {
				r.Undecodable = map[string]uint64{}
			}
			r.Undecodable[c.Link.String()] += c.Count
		}
		if s.UndecodableOther > 0 {
			if r.Undecodable == nil {
				r.Undecodable = map[string]uint64{}
			}
			r.Undecodable["other"] += s.UndecodableOther
		}
	}
	if es.AckedBytes > 0 {
		// Like Zeek's capture_loss: bytes acknowledged but never seen,
		// over all bytes whose acknowledgement was seen.
		r.CaptureLoss = float64(es.GapBytes) / float64(es.AckedBytes)
	}
	return r
}
