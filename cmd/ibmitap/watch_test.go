package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/capture"
)

// fakeLive behaves like a live source over packets read from captures:
// it returns the packets it is given, then idles (a timeout error every
// poll) until more come or it is closed.
type fakeLive struct {
	more   chan []capture.Packet
	cur    []capture.Packet
	closed atomic.Bool
	mu     sync.Mutex
	stats  capture.Stats
}

func newFakeLive() *fakeLive { return &fakeLive{more: make(chan []capture.Packet, 8)} }

func (f *fakeLive) Next(p *capture.Packet) error {
	if f.closed.Load() {
		return io.EOF
	}
	if len(f.cur) == 0 {
		select {
		case b := <-f.more:
			f.cur = b
		case <-time.After(20 * time.Millisecond):
			return os.ErrDeadlineExceeded
		}
	}
	*p = f.cur[0]
	f.cur = f.cur[1:]
	f.mu.Lock()
	f.stats.Packets++
	f.stats.Decoded++
	f.stats.Bytes += uint64(p.CaptureLen)
	f.mu.Unlock()
	return nil
}

func (f *fakeLive) Stats() capture.Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

func (f *fakeLive) Close() error { f.closed.Store(true); return nil }

// packetsOf reads a capture into packets that own their payloads.
func packetsOf(t *testing.T, name string) []capture.Packet {
	t.Helper()
	src, err := capture.OpenFile(filepath.Join(testdataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []capture.Packet
	for {
		var p capture.Packet
		if err := src.Next(&p); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			return out
		}
		p.Payload = append([]byte(nil), p.Payload...)
		out = append(out, p)
	}
}

// withFakeLive makes watch capture from src.
func withFakeLive(t *testing.T, src *fakeLive) {
	old := openSources
	openSources = func(context.Context, *watchOptions) ([]capture.Source, error) { return []capture.Source{src}, nil }
	t.Cleanup(func() { openSources = old })
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestWatchStopsOnSignalWhenIdle: SIGTERM on an idle link ends watch with
// exit 0 within 2 s; the flows still open are written (end_reason
// shutdown), then the run line, and the final stats line goes to stderr.
func TestWatchStopsOnSignalWhenIdle(t *testing.T) {
	pkts := packetsOf(t, "jt400-plain-database-command.pcap")
	src := newFakeLive()
	src.more <- pkts[:len(pkts)/2] // cut in the middle: some flows stay open
	withFakeLive(t, src)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out, errb := &lineLog{}, &lineLog{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"watch", "-i", "fake0", "--stats-interval", "0"}, nil, out, errb) }()
	if !waitFor(3*time.Second, func() bool { return src.Stats().Packets == uint64(len(pkts)/2) }) {
		t.Fatal("packets not read")
	}
	time.Sleep(300 * time.Millisecond) // idle
	t0 := time.Now()
	cancel()
	select {
	case code := <-done:
		if d := time.Since(t0); d > 2*time.Second {
			t.Errorf("stopped %v after the signal", d)
		}
		if code != exitOK {
			t.Errorf("exit %d, want 0", code)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("watch did not stop within 3 s")
	}
	lines, _ := out.snapshot()
	shutdown, runLine := 0, false
	for _, l := range lines {
		if strings.Contains(l, `"end_reason":"shutdown"`) {
			shutdown++
		}
		runLine = runLine || strings.Contains(l, `"schema":"ibmitap.run/1"`)
	}
	errs, _ := errb.snapshot()
	if shutdown == 0 || !runLine || !strings.Contains(strings.Join(errs, "\n"), "ibmitap: final packets=") {
		t.Errorf("%d shutdown records, run line %v; stderr:\n%s\nstdout:\n%s", shutdown, runLine, strings.Join(errs, "\n"), strings.Join(lines, "\n"))
	}
}

// TestWatchSIGHUPReopensOutput: after the file is renamed away (as
// logrotate does), SIGHUP makes watch write to a new file at the old name.
func TestWatchSIGHUPReopensOutput(t *testing.T) {
	src := newFakeLive()
	withFakeLive(t, src)
	dir := t.TempDir()
	name := filepath.Join(dir, "watch.jsonl")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errb := &lineLog{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"watch", "-i", "fake0", "-o", name, "--stats-interval", "0"}, nil, io.Discard, errb)
	}()
	size := func(n string) int64 {
		st, err := os.Stat(n)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	src.more <- packetsOf(t, "ftp-plain-curl.pcap")
	ftpRecord := func() bool {
		b, _ := os.ReadFile(name)
		return strings.Contains(string(b), `"service":"ftp","ibmi":false,"label_source"`)
	}
	if !waitFor(3*time.Second, ftpRecord) {
		t.Fatal("the FTP control flow's record was not written to -o")
	}
	if err := os.Rename(name, name+".1"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !waitFor(2*time.Second, func() bool { _, err := os.Stat(name); return err == nil }) {
		t.Fatal("no new file after SIGHUP")
	}
	src.more <- packetsOf(t, "telnet-login-23.pcap")
	if !waitFor(3*time.Second, func() bool { return size(name) > 0 }) {
		t.Fatal("no new lines in the reopened file")
	}
	cancel()
	<-done
	b, _ := os.ReadFile(name)
	if !strings.Contains(string(b), `"service":"telnet"`) || strings.Contains(string(b), `"service":"ftp"`) {
		t.Errorf("the new file holds:\n%s", b)
	}
}

func TestWatchStartupErrors(t *testing.T) {
	src := newFakeLive()
	withFakeLive(t, src)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"watch"}, exitUsage, "no interface given"},
		{[]string{"watch", "-i", "x", "--format", "csv"}, exitUsage, "watch writes json"},
		{[]string{"watch", "-i", "x", "--syslog", "http://a"}, exitUsage, "udp://HOST:PORT"},
		{[]string{"watch", "-i", "x", "-o", "/proc/nonexistent/out.jsonl"}, exitError, "opening output"},
		{[]string{"watch", "-i", "x", "--rotate-size", "10"}, exitUsage, "need -o FILE"},
	} {
		errb := &lineLog{}
		code := run(t.Context(), tc.args, nil, io.Discard, errb)
		errs, _ := errb.snapshot()
		if code != tc.code || len(errs) != 1 || !strings.Contains(errs[0], tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tc.args, code, errs, tc.code, tc.msg)
		}
	}
}
