package classify

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify/detect"
)

// TestRejectSound runs every capture of testdata through the engine with
// each detector wrapped: whenever a detector matches, none of the prefixes
// of the heads it matched on may have been rejected by it. A Reject that
// says "not me" too early would lose a detection for good.
func TestRejectSound(t *testing.T) {
	files := captureFiles()
	if len(files) < 20 {
		t.Fatalf("only %d captures in ../testdata", len(files))
	}
	checked := 0
	per := map[string]int{}
	var dets []Detector
	for _, d := range Registry() {
		d := d
		if d.Reject == nil {
			t.Errorf("detector %s has no Reject", d.Name)
			continue
		}
		dets = append(dets, Detector{Name: d.Name, Reject: d.Reject, Detect: func(in *detect.Input, v *detect.Verdict) bool {
			if !d.Detect(in, v) {
				return false
			}
			checked++
			per[d.Name]++
			for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 22, 32, 64, 256, 1024, 4096} {
				for _, m := range []int{0, 1, 2, 4, 8, 16, 1 << 20} {
					p := *in
					p.C2S, p.S2C = in.C2S[:min(n, len(in.C2S))], in.S2C[:min(m, len(in.S2C))]
					if d.Reject(&p) {
						t.Errorf("%s rejected a prefix (%d, %d bytes) of heads it matches: % x | % x", d.Name, len(p.C2S), len(p.S2C), p.C2S, p.S2C)
					}
					p.C2S, p.S2C = in.C2S[:min(m, len(in.C2S))], in.S2C[:min(n, len(in.S2C))]
					if d.Reject(&p) {
						t.Errorf("%s rejected a prefix (%d, %d bytes) of heads it matches: % x | % x", d.Name, len(p.C2S), len(p.S2C), p.C2S, p.S2C)
					}
				}
			}
			return true
		}})
	}
	runCaptures(t, files, dets)
	if checked < 50 {
		t.Errorf("only %d matches checked", checked)
	}
	// The detectors whose Reject looks past a direction's first byte
	// must each be exercised by some capture (ssh and rexec, which no
	// capture holds, by the same check in their fuzz targets).
	for _, name := range []string{"telnet", "smb", "ldap", "smtp", "ftp", "http", "mysql"} {
		if per[name] == 0 {
			t.Errorf("no capture has a %s match to check its Reject on", name)
		}
	}
	t.Logf("%d matches checked over %d captures: %v", checked, len(files), per)
}

// TestWaitSound runs every capture of testdata with each detector
// wrapped: whenever a detector answers, its answers on prefixes of the
// heads whose Wait promised no change up to these lengths must be the
// same (match or not, ruled out or not, the protocol named). A Wait that
// promises too much would make the engine skip an inspection that
// mattered.
func TestWaitSound(t *testing.T) {
	files := captureFiles()
	checked := 0
	mark := func(w, have int) int {
		if w <= 0 {
			return have + 1
		}
		return w
	}
	var dets []Detector
	for _, d := range Registry() {
		d := d
		dets = append(dets, Detector{Name: d.Name, Reject: d.Reject, Detect: func(in *detect.Input, v *detect.Verdict) bool {
			got := d.Detect(in, v)
			rej := !got && d.Reject(in)
			proto := v.Protocol
			for _, n := range []int{1, 4, 16, 64, 256, 1024} {
				for _, m := range []int{0, 1, 4, 16, 256, 1 << 20} {
					p := *in
					p.C2S, p.S2C = in.C2S[:min(n, len(in.C2S))], in.S2C[:min(m, len(in.S2C))]
					var pv detect.Verdict
					pgot := d.Detect(&p, &pv)
					if pv.Wait == (detect.Wait{}) || len(in.C2S) >= mark(pv.Wait.C2S, len(p.C2S)) || len(in.S2C) >= mark(pv.Wait.S2C, len(p.S2C)) {
						continue
					}
					checked++
					if prej := !pgot && d.Reject(&p); pgot != got || prej != rej || pv.Protocol != proto {
						t.Errorf("%s: on (%d, %d) bytes it waited for %+v, yet on (%d, %d) answers %v/%v/%q, not %v/%v/%q",
							d.Name, len(p.C2S), len(p.S2C), pv.Wait, len(in.C2S), len(in.S2C), got, rej, proto, pgot, prej, pv.Protocol)
					}
				}
			}
			v.Wait = detect.Wait{} // the engine asks at every growth: every answer is checked
			return got
		}})
	}
	runCaptures(t, files, dets)
	if checked < 50 {
		t.Errorf("only %d promises checked", checked)
	}
	t.Logf("%d promises checked over %d captures", checked, len(files))
}

// captureFiles lists the captures of testdata.
func captureFiles() []string {
	files, _ := filepath.Glob("../testdata/*.pcap*")
	more, _ := filepath.Glob("../testdata/*/*.pcap*")
	return append(files, more...)
}

// runCaptures runs every capture of files (but the golden outputs and the
// captures that fail to open on purpose) through an engine with dets.
func runCaptures(t *testing.T, files []string, dets []Detector) {
	t.Helper()
	for _, name := range files {
		if strings.Contains(name, "golden") {
			continue
		}
		src, err := capture.OpenFile(name)
		if err != nil {
			continue // captures that fail on purpose
		}
		e, err := New(Config{Detectors: dets, Emit: func(*Flow) {}})
		if err != nil {
			t.Fatal(err)
		}
		if err := Drain(src, e, nil); err != nil && !errors.Is(err, io.EOF) {
			t.Logf("%s: %v", name, err)
		}
		e.Flush()
		src.Close()
	}
}
