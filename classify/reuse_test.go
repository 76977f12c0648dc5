package classify

import (
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
)

// TestReuseFlowSame: with Config.ReuseFlow every capture of testdata gives
// the flows (and streamed findings) it gives without, one Flow serving
// them all.
func TestReuseFlowSame(t *testing.T) {
	var files []string
	for _, pat := range []string{"../testdata/*.pcap", "../testdata/*.pcapng", "../testdata/*/*.pcap", "../testdata/*/*.pcapng"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	if len(files) < 90 {
		t.Fatalf("only %d captures in ../testdata", len(files))
	}
	run := func(name string, reuse bool) (flows []Flow, events []FindingEvent, ptrs map[*Flow]bool) {
		ptrs = map[*Flow]bool{}
		src, err := capture.OpenFile(name)
		if err != nil {
			return nil, nil, nil // captures that fail on purpose
		}
		defer src.Close()
		e, err := New(Config{
			ReuseFlow: reuse, Linger: 500 * time.Millisecond,
			Emit: func(f *Flow) {
				ptrs[f] = true
				c := *f
				c.Findings = slices.Clone(f.Findings)
				if len(c.Findings) == 0 {
					c.Findings = nil
				}
				flows = append(flows, c)
			},
			Finding: func(ev *FindingEvent) {
				c := *ev
				fl := *ev.Flow
				fl.Findings = slices.Clone(fl.Findings)
				c.Flow = &fl
				events = append(events, c)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := Drain(src, e, nil); err != nil && !errors.Is(err, io.EOF) {
			t.Logf("%s: %v", name, err)
		}
		e.Flush()
		return flows, events, ptrs
	}
	n := 0
	for _, name := range files {
		fresh, freshEv, _ := run(name, false)
		reused, reusedEv, ptrs := run(name, true)
		if !reflect.DeepEqual(fresh, reused) || !reflect.DeepEqual(freshEv, reusedEv) {
			t.Errorf("%s: flows or events differ with ReuseFlow", name)
		}
		if len(reused) > 1 && len(ptrs) != 1 {
			t.Errorf("%s: %d flows in %d Flows: not reused", name, len(reused), len(ptrs))
		}
		n += len(reused)
	}
	if n < 150 {
		t.Errorf("only %d flows compared", n)
	}
}
