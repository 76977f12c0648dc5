package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/internal/netnstest"
)

// Replay equivalence: every testdata capture, replayed into a veth, gives
// watch the flow records and findings read gives on the file.
//
// The rule for what may differ: times (start, end, time: the replay
// happens now, at another pace), evidence (read names the file and packet
// number), sensor, and the run line. End reasons that come from packets
// (fin, rst, reused, evicted) must be equal; those that come from the
// clock or the end of input (idle, end_of_input, shutdown, interim) are
// the same thing at another pace and compare as one ("open").
// Finding events of watch equal the findings of read's records, flow by
// flow (community_id, kind, severity, message and the other fields).
func TestWatchReplayEquivalenceAFPacket(t *testing.T) {
	replayEquivalence(t, capture.EngineAFPacket)
}

// normalFlow renders a flow record without what may differ.
func normalFlow(t *testing.T, line string) (string, bool) {
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("%v: %s", err, line)
	}
	if m["schema"] != "ibmitap.flow/1" {
		return "", false
	}
	for _, k := range []string{"start", "end", "evidence", "sensor"} {
		delete(m, k)
	}
	switch m["end_reason"] {
	case "idle", "end_of_input", "shutdown", "interim":
		m["end_reason"] = "open"
	}
	b, _ := json.Marshal(m)
	return string(b), true
}

// findingKeys lists the findings of read's records, or watch's events, as
// community_id plus the finding's fields.
func findingsOf(t *testing.T, lines []string, events bool) []string {
	var out []string
	for _, l := range lines {
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		switch {
		case events && m["schema"] == "ibmitap.finding/1":
			id := m["community_id"]
			for _, k := range []string{"schema", "time", "community_id", "transport", "client", "server", "service", "ibmi", "user", "sensor", "vlan"} {
				delete(m, k)
			}
			b, _ := json.Marshal(m)
			out = append(out, fmt.Sprint(id, " ", string(b)))
		case !events && m["schema"] == "ibmitap.flow/1":
			fs, _ := m["findings"].([]any)
			for _, f := range fs {
				// An event's user is its flow's (the finding's own user
				// field shares the name), so it is compared with the
				// flow records, not here.
				delete(f.(map[string]any), "user")
				b, _ := json.Marshal(f)
				out = append(out, fmt.Sprint(m["community_id"], " ", string(b)))
			}
		}
	}
	sort.Strings(out)
	return out
}

func replayEquivalence(t *testing.T, engine string) {
	p := netnstest.New(t, "watch")
	files, _ := filepath.Glob(filepath.Join(testdataDir, "*.pcap"))
	if len(files) < 40 {
		t.Fatalf("only %d captures in %s", len(files), testdataDir)
	}
	var srcs []capture.Source
	old := openSources
	openSources = func(ctx context.Context, o *watchOptions) ([]capture.Source, error) { return srcs, nil }
	t.Cleanup(func() { openSources = old })
	packets, flows, findings := 0, 0, 0
	for _, file := range files {
		base := filepath.Base(file)
		var rout, rerr strings.Builder
		if code := run(t.Context(), []string{"read", "--format", "json", file}, nil, &rout, &rerr); code != exitOK {
			t.Fatalf("%s: read: exit %d: %s", base, code, rerr.String())
		}
		readLines := strings.Split(strings.TrimSpace(rout.String()), "\n")
		var runLine struct{ Packets uint64 }
		json.Unmarshal([]byte(readLines[len(readLines)-1]), &runLine)

		// The sockets are opened inside namespace B, before watch runs.
		var err error
		p.Do(t, p.B, func() {
			o := &watchOptions{ifaces: listFlag{p.IfB}, engine: engine, ringMB: 8, workers: 1}
			srcs, err = openLive(t.Context(), o)
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		out, errb := &lineLog{}, &lineLog{}
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"watch", "-i", p.IfB, "--stats-interval", "0"}, nil, out, errb)
		}()
		p.Replay(t, file, netnstest.TopSpeed)
		if !waitFor(10*time.Second, func() bool { return srcs[0].Stats().Decoded >= runLine.Packets }) {
			t.Errorf("%s: watch saw %d packets of %d", base, srcs[0].Stats().Decoded, runLine.Packets)
		}
		cancel()
		if code := <-done; code != exitOK {
			errs, _ := errb.snapshot()
			t.Fatalf("%s: watch: exit %d: %s", base, code, strings.Join(errs, "\n"))
		}
		watchLines, _ := out.snapshot()

		var want, got []string
		for _, l := range readLines {
			if n, ok := normalFlow(t, l); ok {
				want = append(want, n)
			}
		}
		for _, l := range watchLines {
			if n, ok := normalFlow(t, l); ok {
				got = append(got, n)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("%s: flow records differ:\nread:\n%s\nwatch:\n%s", base, strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
		wf, gf := findingsOf(t, readLines, false), findingsOf(t, watchLines, true)
		if strings.Join(wf, "\n") != strings.Join(gf, "\n") {
			t.Errorf("%s: findings differ:\nread:\n%s\nwatch events:\n%s", base, strings.Join(wf, "\n"), strings.Join(gf, "\n"))
		}
		packets += int(runLine.Packets)
		flows += len(got)
		findings += len(gf)
	}
	t.Logf("%s: %d captures, %d packets, %d flow records and %d findings equal", engine, len(files), packets, flows, findings)
}

// TestWatchLatencyOnVeth: replayed at its recorded pace, a capture's
// findings are written within a second of the packet that proves them
// (the event's time is the kernel's timestamp of that packet) and each
// closed flow's record within a second of its last packet.
func TestWatchLatencyOnVeth(t *testing.T) {
	p := netnstest.New(t, "watch")
	var srcs []capture.Source
	var err error
	p.Do(t, p.B, func() {
		srcs, err = openLive(t.Context(), &watchOptions{ifaces: listFlag{p.IfB}, ringMB: 8, workers: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	old := openSources
	openSources = func(context.Context, *watchOptions) ([]capture.Source, error) { return srcs, nil }
	t.Cleanup(func() { openSources = old })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out, errb := &lineLog{}, &lineLog{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"watch", "-i", p.IfB, "--stats-interval", "0"}, nil, out, errb) }()
	for _, f := range []string{"ftp-plain-curl.pcap", "jt400-plain-signon.pcap"} {
		p.Replay(t, filepath.Join(testdataDir, f), netnstest.Rate{Multi: 1})
	}
	time.Sleep(1500 * time.Millisecond)
	lines, at := out.snapshot()
	cancel()
	<-done
	events, closed := 0, 0
	for i, l := range lines {
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		var ts string
		switch {
		case m["schema"] == "ibmitap.finding/1":
			ts, _ = m["time"].(string)
			events++
		case m["schema"] == "ibmitap.flow/1" && (m["end_reason"] == "fin" || m["end_reason"] == "rst"):
			ts, _ = m["end"].(string)
			closed++
		default:
			continue
		}
		pt, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatal(err)
		}
		if d := at[i].Sub(pt); d > time.Second || d < -time.Second {
			t.Errorf("line %d written %v after its packet: %.120s", i+1, d, l)
		}
	}
	if events == 0 || closed == 0 {
		t.Fatalf("%d events, %d closed flow records before the stop", events, closed)
	}
	t.Logf("%d finding events and %d closed-flow records, each within 1 s of its packet", events, closed)
}
