package sensor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ibmitap/ibmitap/capture"
)

// collector turns the sensor's published counters into Prometheus metrics
// when /metrics is scraped: nothing on the packet path touches a metric.
type collector struct {
	s     *Sensor
	descs map[string]*prometheus.Desc
}

// metricDefs names every metric: name, help, label names. Counters end in
// _total, sizes are in bytes, as Prometheus names them.
var metricDefs = []struct {
	name, help string
	labels     []string
	gauge      bool
}{
	{"ibmitap_packets_total", "Packets read from the capture sources.", nil, false},
	{"ibmitap_bytes_total", "Captured bytes of the packets read.", nil, false},
	{"ibmitap_packets_decoded_total", "Packets decoded as TCP or UDP.", nil, false},
	{"ibmitap_packets_skipped_total", "Packets skipped, by reason.", []string{"reason"}, false},
	{"ibmitap_kernel_packets_total", "Packets the kernel offered the capture sockets, dropped ones included.", nil, false},
	{"ibmitap_kernel_drops_total", "Packets the kernel dropped because the capture ring was full.", nil, false},
	{"ibmitap_kernel_queue_freezes_total", "AF_PACKET TPACKET_V3 queue freezes.", nil, false},
	{"ibmitap_capture_loss_gap_bytes_total", "Bytes acknowledged by a receiver that the sensor never saw (capture loss).", nil, false},
	{"ibmitap_capture_loss_acked_bytes_total", "Bytes whose acknowledgement the sensor saw (the base of the loss ratio).", nil, false},
	{"ibmitap_capture_loss_ratio", "Estimated capture loss: gap bytes over acknowledged bytes; -1 while nothing was acknowledged.", nil, true},
	{"ibmitap_flows_active", "Flows in the flow tables.", nil, true},
	{"ibmitap_flows_created_total", "Flows created.", nil, false},
	{"ibmitap_flow_records_total", "Final flow records written, by service and encryption (true, false, unknown).", []string{"service", "encrypted"}, false},
	{"ibmitap_interim_records_total", "Interim records of long flows.", nil, false},
	{"ibmitap_findings_total", "Findings, by kind and severity.", []string{"kind", "severity"}, false},
	{"ibmitap_flows_evicted_total", "Flows pushed out of a full flow table (their records are still written).", nil, false},
	{"ibmitap_flows_idle_expired_total", "Flows ended by an idle timeout.", nil, false},
	{"ibmitap_head_memory_bytes", "Bytes of stream heads held for the detectors.", nil, true},
	{"ibmitap_heads_reclaimed_total", "Flows whose stream heads were taken back under memory pressure.", nil, false},
	{"ibmitap_flows_uninspected_total", "Flows whose payload found no head memory (not inspected).", nil, false},
	{"ibmitap_learned_evicted_total", "Learned port-mapper answers pushed out of a full table.", nil, false},
	{"ibmitap_expectations_dropped_total", "Announced data connections not remembered (table full).", nil, false},
	{"ibmitap_clock_jumps_total", "Packets whose timestamp leapt ahead and was not believed at once.", nil, false},
	{"ibmitap_output_records_written_total", "Lines written, by output.", []string{"output"}, false},
	{"ibmitap_output_records_dropped_total", "Lines lost because an output's queue was full or its destination failed, by output.", []string{"output"}, false},
	{"ibmitap_output_errors_total", "Write errors, by output.", []string{"output"}, false},
	{"ibmitap_start_time_seconds", "Unix time the sensor started.", nil, true},
}

func newCollector(s *Sensor) *collector {
	c := &collector{s: s, descs: map[string]*prometheus.Desc{}}
	for _, d := range metricDefs {
		c.descs[d.name] = prometheus.NewDesc(d.name, d.help, d.labels, nil)
	}
	return c
}

// Describe sends every metric's description.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect reads the latest published counters.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	snap := s.Snapshot()
	cs, e := &snap.Capture, &snap.Engine
	counter := func(name string, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.descs[name], prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(name string, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.descs[name], prometheus.GaugeValue, v, labels...)
	}
	counter("ibmitap_packets_total", cs.Packets)
	counter("ibmitap_bytes_total", cs.Bytes)
	counter("ibmitap_packets_decoded_total", cs.Decoded)
	for r := capture.SkipReason(0); r < capture.NumSkipReasons; r++ {
		if r == capture.SkipNone || r == capture.FirstFragment {
			continue
		}
		counter("ibmitap_packets_skipped_total", cs.Skipped[r], r.String())
	}
	counter("ibmitap_kernel_packets_total", snap.Kernel.Packets)
	counter("ibmitap_kernel_drops_total", snap.Kernel.Drops)
	counter("ibmitap_kernel_queue_freezes_total", snap.Kernel.Freezes)
	counter("ibmitap_capture_loss_gap_bytes_total", e.GapBytes)
	counter("ibmitap_capture_loss_acked_bytes_total", e.AckedBytes)
	gauge("ibmitap_capture_loss_ratio", snap.LossRatio())
	gauge("ibmitap_flows_active", float64(e.Active))
	counter("ibmitap_flows_created_total", e.Flows)
	for k, v := range s.Pipe.Tally.Flows() {
		counter("ibmitap_flow_records_total", v, k.Service, k.Encrypted)
	}
	counter("ibmitap_interim_records_total", e.Interim)
	for k, v := range s.Pipe.Tally.Findings() {
		counter("ibmitap_findings_total", v, k.Kind, k.Severity)
	}
	counter("ibmitap_flows_evicted_total", e.Evicted)
	counter("ibmitap_flows_idle_expired_total", e.IdleExpired)
	gauge("ibmitap_head_memory_bytes", float64(e.HeadMemory))
	counter("ibmitap_heads_reclaimed_total", e.HeadsReclaimed)
	counter("ibmitap_flows_uninspected_total", e.Uninspected)
	counter("ibmitap_learned_evicted_total", e.LearnedEvicted)
	counter("ibmitap_expectations_dropped_total", e.ExpectDropped)
	counter("ibmitap_clock_jumps_total", e.ClockJumps)
	for _, o := range s.Outputs {
		st := o.Stats()
		counter("ibmitap_output_records_written_total", st.Written, o.name)
		counter("ibmitap_output_records_dropped_total", st.Dropped, o.name)
		counter("ibmitap_output_errors_total", st.Errors, o.name)
	}
	gauge("ibmitap_start_time_seconds", float64(s.started.UnixNano())/1e9)
}

// MetricsServer serves /metrics (a private registry: only ibmitap's own
// metrics, none of the Go runtime's defaults unless added here) and
// /healthz.
type MetricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// ServeMetrics listens on addr (an error before capture starts when the
// address is taken) and serves in the background.
func ServeMetrics(addr string, s *Sensor) (*MetricsServer, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(newCollector(s)); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if !s.Healthy() {
			http.Error(w, "capture loop not running", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	m := &MetricsServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.printf("ibmitap watch: metrics: %v\n", err)
		}
	}()
	return m, nil
}

// Addr is the address the server listens on.
func (m *MetricsServer) Addr() string { return m.ln.Addr().String() }

// Close stops the server.
func (m *MetricsServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return m.srv.Shutdown(ctx)
}
