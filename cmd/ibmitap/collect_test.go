package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/ship"
	"github.com/ibmitap/ibmitap/ship/shiptest"
	"github.com/ibmitap/ibmitap/store"
)

// child is ibmitap run as a child process (the test binary, see TestMain).
type child struct {
	cmd    *exec.Cmd
	stderr string // file
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	errf := filepath.Join(t.TempDir(), "stderr")
	f, err := os.Create(errf)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "IBMITAP_TEST_RUN="+strings.Join(args, "\x1f"))
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	c := &child{cmd: cmd, stderr: errf}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return c
}

func (c *child) output() string { b, _ := os.ReadFile(c.stderr); return string(b) }

// stop sends sig and waits for the exit status.
func (c *child) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	c.cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		c.cmd.Process.Kill()
		t.Fatalf("child did not exit after %v: %s", sig, c.output())
	}
	return c.cmd.ProcessState.ExitCode()
}

// fleetFlow is flow i of sensor s: every i a distinct identity.
func fleetFlow(s string, i int) record.Flow {
	enc := i%3 == 0
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 10 * time.Millisecond)
	return record.Flow{
		Schema: record.FlowSchema, CommunityID: fmt.Sprintf("1:crash%06d", i),
		Start: start.Format(record.TimeLayout), End: start.Add(time.Second).Format(record.TimeLayout),
		Transport: "tcp", Client: fmt.Sprintf("10.1.%d.%d:%d", i/250%250, i%250+1, 40000+i%20000),
		Server: fmt.Sprintf("10.9.0.%d:8471", i%7+1), Service: "as-database", IBMi: true, LabelSource: "port",
		Encrypted: &enc, ALPN: []string{}, Findings: []record.Finding{}, EndReason: "fin", Sensor: s,
		PacketsC2S: 10, PacketsS2C: 9, BytesC2S: 1000, BytesS2C: 2000,
	}
}

// shipFlows sends n flow records of sensor s to topic and waits until the
// brokers have them all.
func shipFlows(t *testing.T, brokers []string, topic, s string, n int) {
	t.Helper()
	shipFlowsFrom(t, brokers, topic, s, 0, n)
}

// shipFlowsFrom sends flows first to first+n-1.
func shipFlowsFrom(t *testing.T, brokers []string, topic, s string, first, n int) {
	t.Helper()
	p, err := ship.NewProducer(ship.ProducerConfig{Config: ship.Config{Brokers: brokers, Topic: topic}, QueueSize: 8192, MaxBuffered: 8192})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		f := fleetFlow(s, first+i)
		for !p.Flow(&f) {
			time.Sleep(time.Millisecond) // the test, unlike a sensor, may wait
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if st := p.Close(ctx); st.Sent != uint64(n) {
		t.Fatalf("producer: %s", st)
	}
}

// TestCollectCrash: a collector killed with SIGKILL in the middle of a
// stream of 100,000 records, then started again, leaves exactly 100,000
// rows: nothing lost (offsets are committed after the database commit),
// nothing duplicated (writes are idempotent). SIGTERM ends it with 0.
func TestCollectCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 records")
	}
	const n = 100000
	c := shiptest.New(t)
	topic := c.Topic(4)
	shipFlows(t, c.Brokers, topic, "crash", n)
	for _, db := range testDBs(t) {
		t.Run(db.engine, func(t *testing.T) {
			args := []string{"collect", "--kafka", strings.Join(c.Brokers, ","), "--kafka-topic", topic,
				"--group", "crash-" + db.engine, "--db", db.dsn, "--batch", "2000", "--session-timeout", "6s"}
			first := startChild(t, args...)
			var atKill int
			waitUntil(t, "rows before the kill", 120*time.Second, func() bool {
				atKill = db.count(t, "flows")
				return atKill >= n/5
			})
			if code := first.stop(t, syscall.SIGKILL); code != -1 {
				t.Fatalf("SIGKILL: exit %d", code)
			}
			if atKill >= n {
				t.Fatalf("the collector wrote all %d rows before it was killed: kill earlier", atKill)
			}
			t.Logf("%s: killed at %d rows", db.engine, db.count(t, "flows"))
			second := startChild(t, args...)
			waitUntil(t, "all rows", 180*time.Second, func() bool { return db.count(t, "flows") >= n })
			time.Sleep(2 * time.Second) // a duplicate would show up now
			if code := second.stop(t, syscall.SIGTERM); code != exitOK {
				t.Fatalf("SIGTERM: exit %d: %s", code, second.output())
			}
			if !strings.Contains(second.output(), "collect: messages=") {
				t.Errorf("no counters at exit: %s", second.output())
			}
			if got := db.count(t, "flows"); got != n {
				t.Fatalf("%d rows, want exactly %d", got, n)
			}
			// Every record is there, once, as it was sent.
			st, err := store.Open(t.Context(), db.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			seen := make([]bool, n)
			err = st.Flows(t.Context(), store.Query{}, func(f *record.Flow) error {
				var i int
				if _, err := fmt.Sscanf(f.CommunityID, "1:crash%d", &i); err != nil || i < 0 || i >= n || seen[i] {
					return fmt.Errorf("unexpected or repeated flow %s", f.CommunityID)
				}
				seen[i] = true
				want := fleetFlow("crash", i)
				if !bytes.Equal(record.AppendFlow(nil, f), record.AppendFlow(nil, &want)) {
					return fmt.Errorf("flow %d stored as %s", i, record.AppendFlow(nil, f))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s", db.engine, strings.TrimSpace(second.output()))
		})
	}
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestCollectBadStart: a DSN or broker list that cannot work fails at
// start-up with a message that says which.
func TestCollectBadStart(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--kafka", "localhost", "--db", filepath.Join(dir, "x.db")}, exitUsage, `broker "localhost"`},
		{[]string{"--db", filepath.Join(dir, "x.db")}, exitUsage, "--kafka"},
		{[]string{"--kafka", "localhost:9092"}, exitUsage, "--db"},
		{[]string{"--kafka", "localhost:9092", "--db", "mysql://x"}, exitError, "mysql://x"},
		{[]string{"--kafka", "localhost:9092", "--db", "postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=3"}, exitError, "--db"},
	} {
		var out, errb bytes.Buffer
		code := run(t.Context(), append([]string{"collect"}, tc.args...), nil, &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) || strings.Contains(errb.String(), "hunter2") {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errb.String())
		}
	}
}
