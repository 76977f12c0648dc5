package sensor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ibmitap/ibmitap/capture"
	"github.com/ibmitap/ibmitap/classify"
)

// syncBuffer is a bytes.Buffer safe for the output's writer goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// scrape fetches /metrics and returns each sample by its name and labels
// as written ("name{a=\"b\"}").
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		m[line[:i]] = v
	}
	return m
}

// TestMetricsEqualRunStats: after a run over captures, every counter on
// /metrics equals the run's own statistics (capture, engine, output) and
// the tallies equal what the output lines say.
func TestMetricsEqualRunStats(t *testing.T) {
	files, _ := filepath.Glob("../testdata/jt400-*.pcap")
	files = append(files, "../testdata/ftp-plain-curl.pcap")
	var buf syncBuffer
	out := NewOutput("records", WriterSink{W: &buf}, 1<<16, false, nil)
	pipe := &Pipeline{Out: out, Sensor: "test"}
	s := &Sensor{Pipe: pipe, Outputs: []*Output{out}}
	var engines []*classify.Engine
	for _, name := range files {
		src, err := capture.OpenFile(name)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		eng, _ := classify.New(classify.Config{Emit: pipe.Emit, Finding: pipe.Finding})
		engines = append(engines, eng)
		s.Add(src, eng)
	}
	if err := s.Run(classify.EndShutdown); err != nil {
		t.Fatal(err)
	}
	out.Close()
	m, err := ServeMetrics("127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	got := scrape(t, m.Addr())

	var want classify.Stats
	var cs capture.Stats
	for i, e := range engines {
		st := e.Stats()
		want.Packets += st.Packets
		want.Flows += st.Flows
		want.Emitted += st.Emitted
		want.FindingEvents += st.FindingEvents
		want.GapBytes += st.GapBytes
		want.AckedBytes += st.AckedBytes
		c := s.workers[i].src.Stats()
		cs.Packets += c.Packets
		cs.Bytes += c.Bytes
		cs.Decoded += c.Decoded
	}
	flows, findings := map[string]float64{}, map[string]float64{}
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		lines++
		var v struct {
			Schema, Service, Kind, Severity string
			Encrypted                       *bool
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		switch v.Schema {
		case "ibmitap.flow/1":
			enc := "unknown"
			if v.Encrypted != nil {
				enc = strconv.FormatBool(*v.Encrypted)
			}
			flows[`ibmitap_flow_records_total{encrypted="`+enc+`",service="`+v.Service+`"}`]++
		case "ibmitap.finding/1":
			findings[`ibmitap_findings_total{kind="`+v.Kind+`",severity="`+v.Severity+`"}`]++
		}
	}
	check := func(name string, want float64) {
		t.Helper()
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
	check("ibmitap_packets_total", float64(cs.Packets))
	check("ibmitap_bytes_total", float64(cs.Bytes))
	check("ibmitap_packets_decoded_total", float64(cs.Decoded))
	check("ibmitap_flows_created_total", float64(want.Flows))
	check("ibmitap_capture_loss_gap_bytes_total", float64(want.GapBytes))
	check("ibmitap_capture_loss_acked_bytes_total", float64(want.AckedBytes))
	check("ibmitap_capture_loss_ratio", 0)
	check("ibmitap_flows_active", 0)
	check(`ibmitap_output_records_written_total{output="records"}`, float64(lines))
	check(`ibmitap_output_records_dropped_total{output="records"}`, 0)
	if want.AckedBytes == 0 || want.Emitted == 0 || want.FindingEvents == 0 {
		t.Fatalf("nothing to compare: %+v", want)
	}
	var nflows, nfind float64
	for k, v := range flows {
		check(k, v)
		nflows += v
	}
	for k, v := range findings {
		check(k, v)
		nfind += v
	}
	if nflows != float64(want.Emitted) || nfind != float64(want.FindingEvents) {
		t.Errorf("output holds %v records and %v events, engines say %d and %d", nflows, nfind, want.Emitted, want.FindingEvents)
	}
	resp, err := http.Get("http://" + m.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	t.Logf("%d samples; /healthz after the run: %s", len(got), resp.Status)
}
