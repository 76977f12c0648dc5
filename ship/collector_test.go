package ship

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/ship/shiptest"
	"github.com/ibmitap/ibmitap/store"
)

// memStore is a store.Store in memory, keyed like the SQL engines, that
// can be told to fail (the database away). The end-to-end tests in
// cmd/ibmitap use the real engines.
type memStore struct {
	mu     sync.Mutex
	flows  map[string]record.Flow
	events map[string]record.Event
	runs   []record.Run
	down   bool
	writes int
}

func newMemStore() *memStore {
	return &memStore{flows: map[string]record.Flow{}, events: map[string]record.Event{}}
}

var errDown = errors.New("connection refused")

func (m *memStore) setDown(d bool) { m.mu.Lock(); m.down = d; m.mu.Unlock() }

func (m *memStore) counts() (flows, events, runs int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.flows), len(m.events), len(m.runs)
}

func (m *memStore) BeginRun(_ context.Context, r record.Run) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return 0, errDown
	}
	m.runs = append(m.runs, r)
	return int64(len(m.runs)), nil
}

func (m *memStore) EndRun(_ context.Context, id int64, r record.Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errDown
	}
	m.runs[id-1] = r
	return nil
}

func (m *memStore) WriteFlows(_ context.Context, _ int64, fs []record.Flow) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	if m.down {
		return errDown
	}
	for _, f := range fs {
		m.flows[f.Sensor+"|"+f.CommunityID+"|"+f.Start] = f
	}
	return nil
}

func (m *memStore) WriteEvents(_ context.Context, _ int64, es []record.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errDown
	}
	for _, e := range es {
		m.events[e.Sensor+"|"+e.CommunityID+"|"+e.Time+"|"+e.Kind] = e
	}
	return nil
}

func (m *memStore) Runs(_ context.Context, q store.Query) ([]record.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errDown
	}
	var out []record.Run
	for _, r := range m.runs {
		if len(q.Sensors) == 0 || r.Sensor == q.Sensors[0] {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memStore) Flows(context.Context, store.Query, func(*record.Flow) error) error { return nil }
func (m *memStore) Retain(context.Context, time.Time) (int64, error)                   { return 0, nil }
func (m *memStore) Version(context.Context) (int, error)                               { return 1, nil }
func (m *memStore) Close() error                                                       { return nil }

// produce sends n flow records of sensor s (numbered from first) and waits
// for them to be acknowledged.
func produce(t *testing.T, brokers []string, topic, s string, first, n int) {
	t.Helper()
	p, err := NewProducer(ProducerConfig{Config: Config{Brokers: brokers, Topic: topic}, QueueSize: n + 10, MaxBuffered: n + 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		f := testFlow(s, first+i)
		if !p.Flow(&f) {
			t.Fatalf("flow %d refused", i)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if st := p.Close(ctx); st.Sent != uint64(n) {
		t.Fatalf("producer: %+v", st)
	}
}

// produceRaw sends messages as they are (junk, too).
func produceRaw(t *testing.T, brokers []string, topic string, values ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for _, v := range values {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// startCollector runs a collector in the background; stop cancels it and
// returns what Run returned.
func startCollector(t *testing.T, cfg CollectorConfig, st store.Store) (c *Collector, stop func() error, logs func() string) {
	t.Helper()
	var mu sync.Mutex
	var log strings.Builder
	cfg.Logf = func(f string, a ...any) { mu.Lock(); fmt.Fprintf(&log, f+"\n", a...); mu.Unlock() }
	c, err := NewCollector(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	var res error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case res = <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("collector did not stop")
			}
		})
		return res
	}
	t.Cleanup(func() { stop() })
	return c, stop, func() string { mu.Lock(); defer mu.Unlock(); return log.String() }
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCollectorWritesAndCommits(t *testing.T) {
	c := shiptest.New(t)
	topic := c.Topic(3)
	produce(t, c.Brokers, topic, "a", 0, 1000)
	ev := record.Event{Schema: record.FindingSchema, Time: "2026-12-07T10:00:00.000000000Z", CommunityID: "1:x", Server: "10.9.0.1:8471",
		Sensor: "a", Finding: record.Finding{Kind: "cleartext_password", Severity: "critical"}}
	run := record.Run{Schema: record.RunSchema, Sensor: "a", Inputs: []string{"x.pcap"}, Packets: 7, CaptureLoss: -1}
	produceRaw(t, c.Brokers, topic,
		strings.TrimSpace(string(record.AppendEvent(nil, &ev))),
		strings.TrimSpace(string(record.AppendRun(nil, &run))),
		"not json", `{"schema":"ibmitap.flow/9"}`, "", `{"schema":"ibmitap.flow/1","community_id":"1:y","start":"yesterday","end":"today"}`)
	const total = 1000 + 2 + 4
	st := newMemStore()
	cfg := CollectorConfig{Config: Config{Brokers: c.Brokers, Topic: topic}, Group: "g1", Batch: 300}
	col, stop, logs := startCollector(t, cfg, st)
	waitFor(t, "all messages", 30*time.Second, func() bool { return col.Stats().Messages == total })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	flows, events, runs := st.counts()
	s := col.Stats()
	if flows != 1000 || events != 1 || runs != 1 || s.Malformed != 4 {
		t.Fatalf("store holds %d flows %d events %d runs; stats %s", flows, events, runs, s)
	}
	for _, want := range []string{"partition ", "offset ", "not a JSON object", "unknown schema", "empty message", `start "yesterday"`} {
		if !strings.Contains(logs(), want) {
			t.Errorf("log does not say %q:\n%s", want, logs())
		}
	}
	// Everything was committed: the next collector of the group finds
	// nothing to read but what is new, and a redelivered run summary is
	// recognised.
	produceRaw(t, c.Brokers, topic, strings.TrimSpace(string(record.AppendRun(nil, &run))))
	col2, stop2, _ := startCollector(t, cfg, st)
	waitFor(t, "the new message", 30*time.Second, func() bool { return col2.Stats().Messages >= 1 })
	time.Sleep(time.Second)
	stop2()
	if s := col2.Stats(); s.Messages != 1 || s.RunsKnown != 1 || s.Runs != 0 {
		t.Fatalf("second collector: %s", s)
	}
	if _, _, runs := st.counts(); runs != 1 {
		t.Fatalf("%d runs stored, want 1", runs)
	}
}

// The database goes away: the batch is retried with back-off and no
// offset is committed, so a collector that gives up loses nothing; when the
// database is back, everything arrives.
func TestCollectorDatabaseAway(t *testing.T) {
	c := shiptest.New(t)
	topic := c.Topic(2)
	produce(t, c.Brokers, topic, "a", 0, 500)
	st := newMemStore()
	st.setDown(true)
	cfg := CollectorConfig{Config: Config{Brokers: c.Brokers, Topic: topic}, Group: "g", Batch: 100, RetryMax: 200 * time.Millisecond, Grace: 300 * time.Millisecond}
	col, stop, logs := startCollector(t, cfg, st)
	waitFor(t, "write retries", 30*time.Second, func() bool { return col.Stats().WriteErrors >= 3 })
	err := stop()
	if err == nil || !strings.Contains(err.Error(), "uncommitted") {
		t.Fatalf("Run returned %v, want the uncommitted batch named", err)
	}
	if !strings.Contains(logs(), "offsets not committed") || col.Stats().Batches != 0 {
		t.Fatalf("stats %s, log:\n%s", col.Stats(), logs())
	}
	// A collector that starts while the database is still away waits,
	// and writes everything once it is back.
	col2, stop2, _ := startCollector(t, cfg, st)
	waitFor(t, "write retries", 30*time.Second, func() bool { return col2.Stats().WriteErrors >= 2 })
	st.setDown(false)
	waitFor(t, "all flows", 30*time.Second, func() bool { f, _, _ := st.counts(); return f == 500 })
	if err := stop2(); err != nil {
		t.Fatal(err)
	}
	if s := col2.Stats(); s.Flows < 500 {
		t.Fatalf("second collector: %s", s)
	}
}

func TestCollectorConfig(t *testing.T) {
	if _, err := NewCollector(CollectorConfig{Config: Config{Brokers: []string{"a:1"}, Topic: "t"}}, newMemStore()); err == nil {
		t.Error("no group accepted")
	}
	if _, err := NewCollector(CollectorConfig{Config: Config{Topic: "t"}, Group: "g"}, newMemStore()); err == nil {
		t.Error("no broker accepted")
	}
}
