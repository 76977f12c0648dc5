package classify

import (
	"errors"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
)

// streamed runs a capture through an engine that streams findings and
// returns, per flow record (in emit order), the findings streamed for it
// before it and whether each came before the flow's last packet.
type streamedFlow struct {
	rec    *Flow
	events []*FindingEvent
}

func streamFile(t *testing.T, name string) ([]streamedFlow, int) {
	t.Helper()
	src, err := capture.OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pending := map[string][]*FindingEvent{}
	var out []streamedFlow
	early := 0
	var e *Engine
	e, err = New(Config{
		Finding: func(ev *FindingEvent) {
			k := ev.Flow.Client.String() + ev.Flow.Server.String() + ev.Flow.Start.String()
			pending[k] = append(pending[k], ev)
			if ev.Flow.EndReason == "" && ev.Time.Before(e.now) {
				early++ // streamed while the capture went on
			}
		},
		Emit: func(f *Flow) {
			k := f.Client.String() + f.Server.String() + f.Start.String()
			out = append(out, streamedFlow{f, pending[k]})
			delete(pending, k)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	for {
		if err := src.Next(&p); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Logf("%s: %v", name, err)
			}
			break
		}
		e.Packet(&p)
	}
	e.Flush()
	if len(pending) != 0 {
		t.Errorf("%s: %d flows got events but no record", name, len(pending))
	}
	return out, early
}

func findingKeys(xs []string) string { sort.Strings(xs); return strings.Join(xs, "\n") }

// Every finding of every flow record of every bundled capture is streamed
// exactly once, before the record, and nothing else is.
func TestStreamedFindingsEqualRecords(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.pcap*")
	if len(files) == 0 {
		t.Fatal("no captures in ../testdata")
	}
	totalEarly, total := 0, 0
	for _, name := range files {
		flows, early := streamFile(t, name)
		totalEarly += early
		for _, sf := range flows {
			var want, got []string
			for _, x := range sf.rec.Findings {
				want = append(want, x.Kind+"|"+x.Severity+"|"+x.Message+"|"+x.Basis)
			}
			for _, ev := range sf.events {
				got = append(got, ev.Finding.Kind+"|"+ev.Finding.Severity+"|"+ev.Finding.Message+"|"+ev.Finding.Basis)
				if ev.Time.After(sf.rec.End) {
					t.Errorf("%s: event at %v after the flow's end %v", name, ev.Time, sf.rec.End)
				}
			}
			total += len(got)
			if findingKeys(want) != findingKeys(got) {
				t.Errorf("%s: flow %v -> %v:\nrecord findings:\n%s\nstreamed:\n%s", filepath.Base(name),
					sf.rec.Client, sf.rec.Server, findingKeys(want), findingKeys(got))
			}
		}
	}
	t.Logf("%d findings streamed, %d of them before their flow's record", total, totalEarly)
	if totalEarly == 0 {
		t.Error("no finding was streamed before its flow ended")
	}
}

// A closed flow's record and an idle flow's record come with Advance on a
// quiet link; interim records come every Interim.
func TestAdvanceAndInterim(t *testing.T) {
	var recs []*Flow
	e, _ := New(Config{Interim: time.Minute, Linger: 500 * time.Millisecond, Emit: func(f *Flow) { recs = append(recs, f) }})
	a := newConv("10.0.0.1:40000", "10.0.0.2:23").open()
	a.pkt(true, capture.FlagACK|capture.FlagPSH, "x")
	b := newConv("10.0.0.1:40001", "10.0.0.2:23").open().close()
	for _, c := range []*conv{a, b} {
		for i := range c.pkts {
			e.Packet(&c.pkts[i])
		}
	}
	last := b.t
	e.Advance(last.Add(400 * time.Millisecond))
	if len(recs) != 0 {
		t.Fatalf("%d records before the linger time", len(recs))
	}
	e.Advance(last.Add(1100 * time.Millisecond))
	if len(recs) != 1 || recs[0].EndReason != EndFIN {
		t.Fatalf("after the linger time: %d records, want b's (fin)", len(recs))
	}
	e.Advance(last.Add(61 * time.Second))
	if len(recs) != 2 || recs[1].EndReason != EndInterim || recs[1].PacketsC2S != 3 {
		t.Fatalf("after a minute: %+v, want an interim record of a", recs[len(recs)-1])
	}
	for d := 90 * time.Second; d <= 6*time.Minute; d += 30 * time.Second {
		e.Advance(last.Add(d))
	}
	if n := len(recs); recs[n-1].EndReason != EndIdle || e.Stats().Interim < 4 {
		t.Fatalf("after 6 minutes: last %s, %d interim; want idle and more interim records", recs[n-1].EndReason, e.Stats().Interim)
	}
	if e.Stats().Active != 0 {
		t.Errorf("%d flows still active", e.Stats().Active)
	}
}
