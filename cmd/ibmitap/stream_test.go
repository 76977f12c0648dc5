package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// lineLog is a writer that notes when each JSON line arrived.
type lineLog struct {
	mu    sync.Mutex
	buf   []byte
	lines []string
	at    []time.Time
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := strings.IndexByte(string(l.buf), '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.buf[:i]))
		l.at = append(l.at, time.Now())
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineLog) snapshot() ([]string, []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...), append([]time.Time(nil), l.at...)
}

// feedSlowly writes the capture name to w one packet at a time at the
// pace it was recorded (as tcpreplay does; gaps capped at maxPause) and
// returns when each packet (by its timestamp) was written. The pipe is
// left open.
func feedSlowly(t *testing.T, name string, w *os.File, maxPause time.Duration) map[time.Time]time.Time {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	pw := pcapgo.NewWriterNanos(w)
	if err := pw.WriteFileHeader(65535, r.LinkType()); err != nil {
		t.Fatal(err)
	}
	sent := map[time.Time]time.Time{}
	var last time.Time
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		if !last.IsZero() {
			time.Sleep(min(ci.Timestamp.Sub(last), maxPause))
		}
		last = ci.Timestamp
		if err := pw.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
		if _, ok := sent[ci.Timestamp.UTC()]; !ok {
			sent[ci.Timestamp.UTC()] = time.Now()
		}
	}
	return sent
}

// TestReadPipeStreams: `read -` from a pipe fed slowly writes each finding
// within a second of the packet that proves it and each flow record within
// a second of its last packet, while the pipe is still open; SIGTERM on the
// idle pipe ends it within 2 s with the open flows written.
func TestReadPipeStreams(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &lineLog{}
	var errb strings.Builder
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"read", "--format", "json", "-"}, pr, out, &errb) }()

	sent := feedSlowly(t, filepath.Join(testdataDir, "ftp-plain-curl.pcap"), pw, 300*time.Millisecond)
	// A second connection that stays open: its SYN only.
	time.Sleep(1500 * time.Millisecond)
	lines, at := out.snapshot()
	events, fins := 0, 0
	for i, l := range lines {
		var v struct{ Schema, Time, End, EndReason string }
		var m map[string]any
		json.Unmarshal([]byte(l), &m)
		v.Schema, _ = m["schema"].(string)
		v.Time, _ = m["time"].(string)
		v.End, _ = m["end"].(string)
		v.EndReason, _ = m["end_reason"].(string)
		ts := v.Time
		if v.Schema == "ibmitap.flow/1" {
			ts = v.End
			if v.EndReason != "fin" && v.EndReason != "rst" {
				continue
			}
			fins++
		} else {
			events++
		}
		pt, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatalf("line %d: time %q: %v", i+1, ts, err)
		}
		w, ok := sent[pt.UTC()]
		if !ok {
			t.Fatalf("line %d: no packet at %v", i+1, pt)
		}
		if d := at[i].Sub(w); d > time.Second {
			t.Errorf("line %d (%s) written %v after its packet", i+1, v.Schema, d)
		}
	}
	if events == 0 || fins == 0 {
		t.Fatalf("while the pipe is open: %d finding events, %d closed flow records; want both (stderr %q)\n%s", events, fins, errb.String(), strings.Join(lines, "\n"))
	}

	t0 := time.Now()
	cancel()
	select {
	case code := <-done:
		if d := time.Since(t0); d > 2*time.Second {
			t.Errorf("stopped %v after the signal", d)
		}
		if code != exitError {
			t.Errorf("exit %d after an interrupt, want %d", code, exitError)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("read - did not stop within 3 s of the signal")
	}
}
