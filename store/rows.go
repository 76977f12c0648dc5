package store

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ibmitap/ibmitap/record"
)

// flowColumns are the columns a flow row is written with (schema v2), in
// the order flowArgs returns their values.
var flowColumns = []string{
	"run_id", "sensor", "community_id", "start_ns", "end_ns", "transport",
	"client", "server", "client_addr", "server_addr", "service", "ibmi",
	"label_source", "encrypted", "tls_version", "tls_offered", "sni", "alpn",
	"user_name", "packets_c2s", "packets_s2c", "bytes_c2s", "bytes_s2c",
	"protocol", "portmap_request", "portmap_port", "portmap_refused",
	"control", "mid_stream", "end_reason", "uninspected", "vlan",
	"gap_bytes_c2s", "gap_bytes_s2c", "evidence_file", "evidence_packet",
	"findings", "max_severity", "record",
}

// findingColumns are the columns of a findings row.
var findingColumns = []string{
	"sensor", "community_id", "start_ns", "n", "end_ns", "run_id", "kind",
	"severity", "user_name", "service", "server_addr", "client_addr", "ibmi",
}

// eventColumns are the columns of an events row.
var eventColumns = []string{
	"run_id", "sensor", "time_ns", "community_id", "client", "server",
	"service", "ibmi", "user_name", "kind", "severity", "record",
}

// flowRow is a flow record ready to be written: its identity parsed, its
// JSON encoded once.
type flowRow struct {
	f          *record.Flow
	start, end int64
	js         []byte
}

// newFlowRow checks what the identity needs and encodes the record. The
// JSON kept is exactly the JSON-lines encoding, so reading back gives the
// record that was written.
func newFlowRow(f *record.Flow) (flowRow, error) {
	start, err := parseTime(f.Start)
	if err != nil {
		return flowRow{}, fmt.Errorf("flow %s: start: %w", f.CommunityID, err)
	}
	end, err := parseTime(f.End)
	if err != nil {
		return flowRow{}, fmt.Errorf("flow %s: end: %w", f.CommunityID, err)
	}
	if f.CommunityID == "" {
		return flowRow{}, fmt.Errorf("flow starting %s: no community_id", f.Start)
	}
	js := record.AppendFlow(nil, f)
	return flowRow{f: f, start: start, end: end, js: js[:len(js)-1]}, nil
}

func (r *flowRow) args(runID int64) []any {
	f := r.f
	alpn, _ := json.Marshal(f.ALPN)
	if f.ALPN == nil {
		alpn = []byte("[]")
	}
	var enc any
	if f.Encrypted != nil {
		enc = *f.Encrypted
	}
	var evFile string
	var evPacket uint64
	if f.Evidence != nil {
		evFile, evPacket = f.Evidence.File, f.Evidence.FirstPacket
	}
	return []any{
		nullID(runID), f.Sensor, f.CommunityID, r.start, r.end, f.Transport,
		f.Client, f.Server, f.ClientAddr(), f.ServerAddr(), f.Service, f.IBMi,
		f.LabelSource, enc, f.TLSVersion, f.TLSOffered, f.SNI, string(alpn),
		f.User, i64(f.PacketsC2S), i64(f.PacketsS2C), i64(f.BytesC2S), i64(f.BytesS2C),
		f.Protocol, f.PortmapRequest, int64(f.PortmapPort), f.PortmapRefused,
		f.Control, f.MidStream, f.EndReason, f.Uninspected, int64(f.VLAN),
		i64(f.GapBytesC2S), i64(f.GapBytesS2C), evFile, i64(evPacket),
		int64(len(f.Findings)), f.Worst(), string(r.js),
	}
}

func (r *flowRow) findingArgs(runID int64, n int) []any {
	f, x := r.f, &r.f.Findings[n]
	user := x.User
	if user == "" {
		user = f.User
	}
	return []any{
		f.Sensor, f.CommunityID, r.start, int64(n), r.end, nullID(runID), x.Kind,
		x.Severity, user, f.Service, f.ServerAddr(), f.ClientAddr(), f.IBMi,
	}
}

func eventArgs(runID int64, e *record.Event) ([]any, error) {
	t, err := parseTime(e.Time)
	if err != nil {
		return nil, fmt.Errorf("finding event %s: time: %w", e.CommunityID, err)
	}
	js := record.AppendEvent(nil, e)
	user := e.Finding.User
	if user == "" {
		user = e.User
	}
	return []any{
		nullID(runID), e.Sensor, t, e.CommunityID, e.Client, e.Server,
		e.Service, e.IBMi, user, e.Kind, e.Severity, string(js[:len(js)-1]),
	}, nil
}

// runArgs are the run columns besides id and began_ns.
var runColumns = []string{
	"sensor", "inputs", "start_ns", "end_ns", "packets", "decoded", "flows",
	"kernel_packets", "kernel_drops", "output_drops", "evicted", "gap_bytes",
	"payload_bytes", "capture_loss", "skipped", "record",
}

func runArgs(r *record.Run) []any {
	var start, end int64
	if t, err := parseTime(r.Start); err == nil {
		start = t
	}
	if t, err := parseTime(r.End); err == nil {
		end = t
	}
	inputs, _ := json.Marshal(r.Inputs)
	if r.Inputs == nil {
		inputs = []byte("[]")
	}
	skipped, _ := json.Marshal(r.Skipped)
	if r.Skipped == nil {
		skipped = []byte("{}")
	}
	js := record.AppendRun(nil, r)
	loss := r.CaptureLoss
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		loss = -1
	}
	return []any{
		r.Sensor, string(inputs), start, end, i64(r.Packets), i64(r.Decoded), i64(r.Flows),
		i64(r.KernelPackets), i64(r.KernelDrops), i64(r.OutputDrops), i64(r.Evicted),
		i64(r.GapBytes), i64(r.PayloadBytes), loss, string(skipped), string(js[:len(js)-1]),
	}
}

// parseTime reads a record timestamp as Unix nanoseconds (the store's time
// columns: exact, sortable and the same on both engines).
func parseTime(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty time")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not RFC 3339", s)
	}
	return t.UnixNano(), nil
}

func i64(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}

func nullID(id int64) any {
	if id <= 0 {
		return nil
	}
	return id
}

// valuesList returns "(?, ?, …), (…)" for rows rows of n columns.
func valuesList(rows, n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	var b strings.Builder
	b.Grow(rows * (len(one) + 2))
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}
