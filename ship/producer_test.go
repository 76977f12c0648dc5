package ship

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/ibmitap/ibmitap/record"
	"github.com/ibmitap/ibmitap/ship/shiptest"
)

// testFlow is a flow record of sensor s, numbered i, to one of a few IBM i
// systems.
func testFlow(s string, i int) record.Flow {
	enc := true
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	return record.Flow{
		Schema:      record.FlowSchema,
		CommunityID: fmt.Sprintf("1:%028d", i),
		Start:       start.Format(record.TimeLayout),
		End:         start.Add(time.Second).Format(record.TimeLayout),
		Transport:   "tcp",
		Client:      fmt.Sprintf("10.1.0.%d:%d", i%200+1, 40000+i%20000),
		Server:      fmt.Sprintf("10.9.0.%d:9471", i%5+1),
		Service:     "as-signon-s",
		IBMi:        true,
		LabelSource: "port",
		Encrypted:   &enc,
		Findings:    []record.Finding{},
		EndReason:   "fin",
		Sensor:      s,
	}
}

func TestProducerDelivers(t *testing.T) {
	c := shiptest.New(t)
	topic := c.Topic(4)
	p, err := NewProducer(ProducerConfig{Config: Config{Brokers: c.Brokers, Topic: topic}, Compression: "lz4"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	for i := range n {
		f := testFlow("a", i)
		if !p.Flow(&f) {
			t.Fatalf("flow %d refused", i)
		}
	}
	ev := record.Event{Schema: record.FindingSchema, Time: "2026-12-07T10:00:00.000000000Z", Server: "10.9.0.1:8471",
		Finding: record.Finding{Kind: "cleartext_password", Severity: "critical"}}
	p.Event(&ev)
	run := record.Run{Schema: record.RunSchema, Sensor: "a", Inputs: []string{"x.pcap"}, Packets: 7}
	p.Run(&run)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st := p.Close(ctx)
	if st.Sent != n+2 || st.Unsent() != 0 || st.Pending != 0 {
		t.Fatalf("stats %+v, want %d sent and nothing unsent", st, n+2)
	}
	recs := shiptest.Consume(t, c.Brokers, topic, n+2, 20*time.Second)
	if len(recs) != n+2 {
		t.Fatalf("consumed %d records, want %d", len(recs), n+2)
	}
	partOf := map[string]int32{}
	kinds := map[string]int{}
	for _, r := range recs {
		if strings.HasSuffix(string(r.Value), "\n") {
			t.Fatalf("message ends in a newline: %q", r.Value)
		}
		l, err := record.NewDecoder("kafka", strings.NewReader(string(r.Value))).Next()
		if err != nil {
			t.Fatalf("message is not a record: %v", err)
		}
		var key string
		switch {
		case l.Flow != nil:
			kinds["flow"]++
			key = l.Flow.ServerAddr()
		case l.Event != nil:
			kinds["event"]++
			key = "10.9.0.1"
		case l.Run != nil:
			kinds["run"]++
			key = "a"
		}
		if string(r.Key) != key {
			t.Fatalf("key %q, want %q", r.Key, key)
		}
		// One IBM i system's records land in one partition.
		if p, ok := partOf[key]; ok && p != r.Partition {
			t.Fatalf("system %s in partitions %d and %d", key, p, r.Partition)
		}
		partOf[key] = r.Partition
	}
	if kinds["flow"] != n || kinds["event"] != 1 || kinds["run"] != 1 {
		t.Fatalf("kinds %v", kinds)
	}
	// The message is byte for byte the JSON line of the file.
	f := testFlow("a", 0)
	want := strings.TrimSuffix(string(record.AppendFlow(nil, &f)), "\n")
	found := false
	for _, r := range recs {
		found = found || string(r.Value) == want
	}
	if !found {
		t.Fatalf("no message equals the JSON line %s", want)
	}
}

// A broker that refuses connections never blocks the caller: the queue
// fills, the rest is refused and counted, and at close everything is
// accounted for.
func TestProducerUnreachableCounts(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", shiptest.FreePort(t))
	p, err := NewProducer(ProducerConfig{Config: Config{Brokers: []string{addr}, Topic: "t"}, QueueSize: 100, MaxBuffered: 100})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	began := time.Now()
	for i := range n {
		f := testFlow("a", i)
		p.Flow(&f)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("queueing %d records took %v: the caller waited on Kafka", n, d)
	}
	if st := p.Stats(); st.QueueFull == 0 || st.Sent != 0 {
		t.Fatalf("stats %+v: want queue_full > 0 and nothing sent", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	st := p.Close(ctx)
	if st.Unsent() != n || st.Sent != 0 || st.Pending != 0 {
		t.Fatalf("stats %+v: want all %d unsent and counted", st, n)
	}
	if st.Shutdown == 0 {
		t.Fatalf("stats %+v: the records held at close are not counted as shutdown", st)
	}
	if !strings.Contains(st.String(), fmt.Sprintf("unsent=%d", n)) {
		t.Fatalf("summary %q", st)
	}
}

// The brokers come up after the producer started: what was queued during
// the outage is sent when they come back.
func TestProducerOutageResumes(t *testing.T) {
	if shiptest.Real() {
		t.Skip("starts its own in-process cluster on a fixed port")
	}
	port := shiptest.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := NewProducer(ProducerConfig{Config: Config{Brokers: []string{addr}, Topic: "late"}, QueueSize: 300, MaxBuffered: 200})
	if err != nil {
		t.Fatal(err)
	}
	const before, after = 1000, 1000
	offered := uint64(0)
	for i := range before {
		f := testFlow("a", i)
		p.Flow(&f)
		offered++
	}
	time.Sleep(500 * time.Millisecond)
	down := p.Stats()
	if down.QueueFull == 0 || down.Sent != 0 {
		t.Fatalf("during the outage: %+v", down)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.SeedTopics(2, "late"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for p.Stats().Sent == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for i := range after {
		f := testFlow("a", before+i)
		offered++
		for !p.Flow(&f) && time.Now().Before(deadline) {
			offered++
			time.Sleep(time.Millisecond) // a real sensor would count and move on
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st := p.Close(ctx)
	if st.Sent+st.Unsent() != offered || st.Pending != 0 {
		t.Fatalf("stats %+v do not add up", st)
	}
	// Records queued while the broker was away made it, and so did the
	// ones given after it came back.
	if st.Sent < after+300 {
		t.Fatalf("stats %+v: the records queued during the outage were not sent", st)
	}
	recs := shiptest.Consume(t, []string{addr}, "late", int(st.Sent), 20*time.Second)
	if uint64(len(recs)) != st.Sent {
		t.Fatalf("consumed %d, producer says %d sent", len(recs), st.Sent)
	}
}

func TestParseBrokers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // joined, or "error"
	}{
		{"localhost:9092", "localhost:9092"},
		{" a:1, b:2 ,", "a:1,b:2"},
		{"[::1]:9092", "[::1]:9092"},
		{"localhost", "error"},
		{"localhost:x", "error"},
		{"localhost:0", "error"},
		{":9092", "error"},
		{"kafka://a:9092", "error"},
		{"", "error"},
		{",", "error"},
	} {
		got, err := ParseBrokers(tc.in)
		s := strings.Join(got, ",")
		if err != nil {
			s = "error"
		}
		if s != tc.want {
			t.Errorf("ParseBrokers(%q) = %q, %v; want %q", tc.in, s, err, tc.want)
		}
	}
}

func TestLoadSASL(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	os.WriteFile(file, []byte("s3cret\n"), 0o600)
	s, err := LoadSASL("alice:"+file, "scram-sha-256")
	if err != nil || s.User != "alice" || s.Password != "s3cret" || s.Mechanism != "SCRAM-SHA-256" {
		t.Fatalf("file: %+v %v", s, err)
	}
	if strings.Contains(fmt.Sprint(s), "s3cret") || strings.Contains(fmt.Sprintf("%+v", s), "s3cret") {
		t.Fatalf("the password shows in %v", s)
	}
	t.Setenv("IBMITAP_TEST_PW", "envpw")
	if s, err := LoadSASL("bob:env:IBMITAP_TEST_PW", ""); err != nil || s.Password != "envpw" || s.Mechanism != "SCRAM-SHA-512" {
		t.Fatalf("env: %+v %v", s, err)
	}
	for _, bad := range []string{"alice", "alice:", ":" + file, "alice:" + filepath.Join(dir, "none"), "bob:env:IBMITAP_TEST_UNSET"} {
		if _, err := LoadSASL(bad, ""); err == nil {
			t.Errorf("LoadSASL(%q) accepted", bad)
		}
	}
	if _, err := LoadSASL("alice:"+file, "PLAIN"); err == nil {
		t.Error("PLAIN accepted")
	}
}

// SCRAM against the in-process cluster: the right password delivers, a
// wrong one is counted as failed and its error says why, without the
// password.
func TestProducerSCRAM(t *testing.T) {
	if shiptest.Real() {
		t.Skip("needs a cluster with a known SCRAM user")
	}
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512"} {
		c := shiptest.New(t, kfake.EnableSASL(), kfake.Superuser(mech, "sensor", "right-pw"), kfake.SeedTopics(1, "t"))
		for _, pw := range []string{"right-pw", "wrong-pw"} {
			p, err := NewProducer(ProducerConfig{Config: Config{Brokers: c.Brokers, Topic: "t",
				SASL: SASL{Mechanism: mech, User: "sensor", Password: pw}}, DeliveryTimeout: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			f := testFlow("a", 1)
			p.Flow(&f)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			st := p.Close(ctx)
			cancel()
			if pw == "right-pw" && st.Sent != 1 {
				t.Errorf("%s: right password: %+v", mech, st)
			}
			if pw == "wrong-pw" && (st.Sent != 0 || st.Unsent() != 1 || strings.Contains(st.LastError, pw)) {
				t.Errorf("%s: wrong password: %+v", mech, st)
			}
		}
	}
}
