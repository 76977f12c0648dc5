package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/ibmitap/ibmitap/capture/synth"
	"github.com/ibmitap/ibmitap/ship/shiptest"
)

// TestReadKafka: read --kafka sends exactly the JSON lines read --format
// json writes (with the sensor name), one message each: the flow records
// keyed by the IBM i system, the run summary keyed by the sensor.
func TestReadKafka(t *testing.T) {
	c := shiptest.New(t)
	topic := c.Topic(3)
	files := []string{filepath.Join(testdataDir, "jt400-plain-signon.pcap"), filepath.Join(testdataDir, "ftp-plain-curl.pcap")}
	var want, errb bytes.Buffer
	if code := run(t.Context(), append([]string{"read", "--format", "json", "--sensor", "a"}, files...), nil, &want, &errb); code != exitOK {
		t.Fatalf("read: exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(want.String()), "\n")
	var out bytes.Buffer
	errb.Reset()
	args := append([]string{"read", "--format", "json", "--sensor", "a", "--kafka", strings.Join(c.Brokers, ","), "--kafka-topic", topic}, files...)
	if code := run(t.Context(), args, nil, &out, &errb); code != exitOK {
		t.Fatalf("read --kafka: exit %d: %s", code, errb.String())
	}
	if out.String() != want.String() {
		t.Errorf("--kafka changed the file output")
	}
	if !strings.Contains(errb.String(), fmt.Sprintf("kafka: sent=%d unsent=0", len(lines))) {
		t.Errorf("stderr does not account for %d records: %s", len(lines), errb.String())
	}
	recs := shiptest.Consume(t, c.Brokers, topic, len(lines), 20*time.Second)
	var got []string
	runs := 0
	for _, r := range recs {
		if bytes.Contains(r.Value, []byte(`"schema":"ibmitap.run/1"`)) {
			runs++
			if string(r.Key) != "a" || !bytes.Contains(r.Value, []byte(`"sensor":"a"`)) {
				t.Errorf("run message: key %q value %s", r.Key, r.Value)
			}
			got = append(got, string(r.Value))
			continue
		}
		got = append(got, string(r.Value))
		if !bytes.Contains(r.Value, []byte(`"server":"`+string(r.Key))) && !bytes.Contains(r.Value, []byte(`"server":"[`+string(r.Key))) {
			t.Errorf("key %q is not the server of %s", r.Key, r.Value)
		}
	}
	sort.Strings(got)
	sort.Strings(lines)
	if runs != 1 || strings.Join(got, "\n") != strings.Join(lines, "\n") {
		t.Fatalf("kafka holds %d runs and\n%s\nwant 1 run and\n%s", runs, strings.Join(got, "\n"), strings.Join(lines, "\n"))
	}
}

// TestReadKafkaBadFlags: a broker list that does not parse, or credentials
// that cannot be read, fail at start-up with a message that says which.
func TestReadKafkaBadFlags(t *testing.T) {
	file := filepath.Join(testdataDir, "plain-to-9471.pcap")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--kafka", "localhost"}, `broker "localhost"`},
		{[]string{"--kafka", "kafka1:9092,kafka2:nine"}, `broker "kafka2:nine"`},
		{[]string{"--kafka", "localhost:9092", "--kafka-sasl", "user:/nonexistent/pw"}, "/nonexistent/pw"},
		{[]string{"--kafka", "localhost:9092", "--kafka-compression", "brotli"}, "brotli"},
		{[]string{"--kafka", "localhost:9092", "--kafka-ca", "/nonexistent/ca.pem"}, "/nonexistent/ca.pem"},
	} {
		var out, errb bytes.Buffer
		code := run(t.Context(), append(append([]string{"read"}, tc.args...), file), nil, &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), tc.want) || out.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %d bytes", tc.args, code, errb.String(), out.Len())
		}
	}
}

// udpFlows writes a capture of n one-packet UDP flows to one IBM i system.
func udpFlows(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flows.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := synth.NewWriter(bw, synth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	server := netip.MustParseAddrPort("10.9.0.1:449")
	for i := range n {
		client := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), uint16(40000+i%20000))
		if err := w.UDP(client, server, []byte("ping")); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestReadKafkaOutage: no broker answers when the sensor starts. Capture
// goes on (every flow is still written to the file output), what does not
// fit in the bounded queue is counted as unsent, and when the broker comes
// up the queued records are sent.
func TestReadKafkaOutage(t *testing.T) {
	if shiptest.Real() {
		t.Skip("starts its own in-process cluster on a fixed port")
	}
	const n = 3000
	file := udpFlows(t, n)
	port := shiptest.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"read", "--format", "json", "--sensor", "a", "--kafka", addr, "--kafka-topic", "late",
			"--kafka-queue", "500", "--kafka-drain", "30s", file}, nil, &out, &errb)
	}()
	time.Sleep(1500 * time.Millisecond) // the broker is away for a while
	cl, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.SeedTopics(2, "late"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var code int
	select {
	case code = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("read did not finish")
	}
	if got := strings.Count(out.String(), "\n"); got != n+1 { // and the run summary
		t.Fatalf("capture wrote %d records, want %d (stderr %s)", got, n, errb.String())
	}
	m := regexp.MustCompile(`kafka: sent=(\d+) unsent=(\d+) \(queue_full=(\d+) failed=(\d+) shutdown=(\d+)\)`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("no kafka counters on stderr: %s", errb.String())
	}
	num := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	sent, unsent, full := num(1), num(2), num(3)
	// At least the queue's worth is sent: what was queued when the first
	// record was refused goes out once the broker is up. How much more the
	// client took meanwhile depends on how fast the flows came (a loaded
	// machine, a faster encoder), so it is not asked for.
	if sent+unsent != n+1 || full == 0 || sent < 500 {
		t.Fatalf("sent %d unsent %d queue_full %d: want all %d records (and the run) accounted for, the overflow counted, the queued ones sent", sent, unsent, full, n+1)
	}
	t.Logf("stderr: %s", errb.String())
	if code != exitError || !strings.Contains(errb.String(), fmt.Sprintf("%d records did not reach Kafka", unsent)) {
		t.Fatalf("exit %d, stderr %s", code, errb.String())
	}
	if got := len(shiptest.Consume(t, []string{addr}, "late", sent, 20*time.Second)); got != sent {
		t.Fatalf("kafka holds %d records, the sensor says it sent %d", got, sent)
	}
}
