package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/record"
)

// gate is a Store whose writes wait at a gate and fail while fails > 0:
// the writer's queue, drop and retry logic seen from outside. Everything
// else is a real SQLite store.
type gate struct {
	Store
	open  chan struct{}
	fails atomic.Int32
	calls atomic.Int32
}

func (g *gate) WriteFlows(ctx context.Context, id int64, fs []record.Flow) error {
	g.calls.Add(1)
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	if g.fails.Add(-1) >= 0 {
		return errors.New("connection refused")
	}
	return g.Store.WriteFlows(ctx, id, fs)
}

func sqliteStore(t *testing.T) Store {
	return open(t, filepath.Join(t.TempDir(), "w.db"))
}

// TestWriterDropsWhenFull never blocks its caller: with the database
// stuck, records beyond the queue are dropped and counted, and the rest
// are written once it comes back.
func TestWriterDropsWhenFull(t *testing.T) {
	g := &gate{Store: sqliteStore(t), open: make(chan struct{})}
	w := NewWriter(g, WriterOptions{QueueSize: 10, BatchSize: 5, BatchWait: time.Millisecond})
	t0 := time.Now()
	d0, _ := time.Parse(time.RFC3339, "2026-11-01T10:00:00Z")
	accepted := 0
	for i := range 100 {
		f := flowAt("s", i, d0.Add(time.Duration(i)*time.Second), time.Second)
		if w.Flow(&f) {
			accepted++
		}
	}
	if time.Since(t0) > time.Second {
		t.Fatal("Flow blocked with the database stuck")
	}
	st := w.Stats()
	if st.Dropped == 0 || st.Dropped+st.Queued != 100 {
		t.Fatalf("stats %+v: want drops counted, dropped+queued = 100", st)
	}
	close(g.open)
	st, err := w.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "dropped") {
		t.Fatalf("Close: %v, want it to report the drops", err)
	}
	if int(st.Written) != accepted || st.Written+st.Dropped != 100 || st.Failed != 0 {
		t.Fatalf("stats %+v, accepted %d", st, accepted)
	}
	if n := count(t, g.Store, "flows"); n != accepted {
		t.Fatalf("%d rows, %d accepted", n, accepted)
	}
}

// TestWriterRetries tries a failing batch again with back-off (the
// database went away and came back): nothing lost, the retries counted.
func TestWriterRetries(t *testing.T) {
	g := &gate{Store: sqliteStore(t), open: make(chan struct{})}
	close(g.open)
	g.fails.Store(3)
	w := NewWriter(g, WriterOptions{BatchSize: 10, BatchWait: time.Millisecond})
	d0, _ := time.Parse(time.RFC3339, "2026-11-01T10:00:00Z")
	for i := range 25 {
		f := flowAt("s", i, d0.Add(time.Duration(i)*time.Second), time.Second)
		w.Flow(&f)
	}
	bad := flowAt("s", 1000, d0, time.Second)
	bad.Start = "yesterday"
	w.Flow(&bad)
	st, err := w.Close(context.Background())
	if st.Written != 25 || st.Retries != 3 || st.Failed != 1 || st.FailedBatches != 0 {
		t.Fatalf("stats %+v, want 25 written, 3 retries, the bad record failed alone", st)
	}
	if err == nil || !strings.Contains(st.LastError, "yesterday") {
		t.Fatalf("Close: %v; last error %q", err, st.LastError)
	}
	if n := count(t, g.Store, "flows"); n != 25 {
		t.Fatalf("%d rows, want 25", n)
	}
}

// TestWriterGivesUp counts a batch that keeps failing past RetryFor, and
// Close returns by its deadline even while retrying.
func TestWriterGivesUp(t *testing.T) {
	g := &gate{Store: sqliteStore(t), open: make(chan struct{})}
	close(g.open)
	g.fails.Store(1 << 30)
	w := NewWriter(g, WriterOptions{BatchSize: 4, BatchWait: time.Millisecond, RetryFor: 300 * time.Millisecond})
	d0, _ := time.Parse(time.RFC3339, "2026-11-01T10:00:00Z")
	for i := range 4 {
		f := flowAt("s", i, d0.Add(time.Duration(i)*time.Second), time.Second)
		w.Flow(&f)
	}
	for w.Stats().FailedBatches == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	f := flowAt("s", 9, d0, time.Second)
	w.Flow(&f)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	st, err := w.Close(ctx)
	if time.Since(t0) > 2*time.Second {
		t.Fatal("Close overran its deadline")
	}
	if err == nil || st.Failed != 5 || st.FailedBatches != 2 || st.Written != 0 {
		t.Fatalf("stats %+v, err %v", st, err)
	}
}

// TestKilledWriter kills a process that is writing batches (SIGKILL, mid
// stream): the store opens again, passes SQLite's integrity check, and
// holds every batch committed before the kill, whole batches only, in
// order.
func TestKilledWriter(t *testing.T) {
	if path := os.Getenv("IBMITAP_STORE_KILL_CHILD"); path != "" {
		killChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "killed.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$")
	cmd.Env = append(os.Environ(), "IBMITAP_STORE_KILL_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	committed := 0
	for sc.Scan() {
		if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "written ")); err == nil {
			committed = n
		}
		if committed >= 3000 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if committed < 3000 {
		t.Fatalf("the child wrote only %d records", committed)
	}

	s := open(t, path)
	var check string
	if err := s.(*sqlStore).db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	rows := count(t, s, "flows")
	var maxN int
	s.(*sqlStore).db.QueryRow("SELECT max(CAST(substr(community_id, 7, 7) AS INTEGER)) FROM flows").Scan(&maxN)
	t.Logf("child reported %d committed; store holds %d rows after SIGKILL", committed, rows)
	if rows < committed {
		t.Fatalf("%d rows, but %d were committed before the kill", rows, committed)
	}
	if rows%killBatch != 0 || maxN != rows-1 {
		t.Fatalf("%d rows up to record %d: not whole batches in order", rows, maxN)
	}
}

const killBatch = 100

// killChild writes numbered records in batches until it is killed,
// saying after each batch how many are committed.
func killChild(path string) {
	s, err := Open(context.Background(), path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	w := NewWriter(s, WriterOptions{BatchSize: killBatch, BatchWait: time.Hour, Block: true, QueueSize: 1000})
	d0, _ := time.Parse(time.RFC3339, "2026-11-01T10:00:00Z")
	last := uint64(0)
	for i := 0; ; i++ {
		f := flowAt("s", i, d0.Add(time.Duration(i)*time.Millisecond), time.Second)
		w.Flow(&f)
		if st := w.Stats(); st.Written != last {
			last = st.Written
			fmt.Printf("written %d\n", last)
		}
		if i > 10_000_000 {
			os.Exit(1)
		}
	}
}
