package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ibmitap/ibmitap/record"
)

// Writer consumes flow records and renders them.
type Writer interface {
	// Write takes one flow record.
	Write(r *record.Flow) error
	// Finish writes whatever is rendered at the end (tables, totals).
	Finish(s Summary) error
}

// Counter is one named count shown in a summary (packets read, skips by
// reason, evictions ...).
type Counter struct {
	Name  string
	Value uint64
}

// Summary is what a run counted besides its flows.
type Summary struct {
	Inputs   []string
	Counters []Counter
	// Run is the run summary; the JSON-lines writer ends its output with
	// it (ibmitap.run/1) so the lines carry their coverage.
	Run *record.Run
	// Warnings are what the reader must know before trusting the rest
	// (packets that could not be decoded); the table shows them first.
	Warnings []string
}

// Formats lists the output formats by name.
var Formats = []string{"table", "json", "csv"}

// New returns the writer for format; opt bounds the table format.
func New(format string, w io.Writer, opt TableOptions) (Writer, error) {
	switch format {
	case "table":
		return NewTable(w, opt), nil
	case "json":
		return NewJSON(w), nil
	case "csv":
		return NewCSV(w), nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// JSON writes one flow record per line.
type JSON struct{ enc *record.Encoder }

// NewJSON returns a JSON-lines writer.
func NewJSON(w io.Writer) *JSON { return &JSON{enc: record.NewEncoder(w)} }

// Write writes r as one line.
func (j *JSON) Write(r *record.Flow) error { return j.enc.Flow(r) }

// WriteLine writes a flow record's line as record.AppendFlowOf wrote it
// (with its newline), for callers that never build the record.
func (j *JSON) WriteLine(line []byte) error { return j.enc.Line(line) }

// Finish writes the run summary, when there is one, as the last line.
func (j *JSON) Finish(s Summary) error {
	if s.Run == nil {
		return nil
	}
	return j.enc.Run(s.Run)
}

// CSVHeader is the column list of the CSV format: the flow-record fields,
// findings flattened to their kinds and the worst severity. Like the flow
// record's fields, columns are only ever added, at the end, so a consumer
// that reads them by position keeps working.
var CSVHeader = []string{
	"schema", "community_id", "start", "end", "transport", "client", "server", "service", "ibmi",
	"label_source", "encrypted", "tls_version", "sni", "alpn", "user", "packets_c2s", "packets_s2c",
	"bytes_c2s", "bytes_s2c", "findings", "max_severity", "protocol", "end_reason",
	"tls_offered", "portmap_request", "portmap_port", "portmap_refused", "control", "mid_stream",
	"vlan",
}

// CSV writes flow records as comma-separated values with a header row.
type CSV struct {
	w      *csv.Writer
	header bool
}

// NewCSV returns a CSV writer.
func NewCSV(w io.Writer) *CSV { return &CSV{w: csv.NewWriter(w)} }

// Write writes one row for r.
func (c *CSV) Write(r *record.Flow) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	enc := ""
	if r.Encrypted != nil {
		enc = strconv.FormatBool(*r.Encrypted)
	}
	kinds := make([]string, 0, len(r.Findings))
	for _, x := range r.Findings {
		kinds = append(kinds, x.Kind)
	}
	worst := r.Worst()
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }
	vlan := "" // untagged, as the JSON line leaves the field out
	if r.VLAN != 0 {
		vlan = u(uint64(r.VLAN))
	}
	row := []string{
		r.Schema, r.CommunityID, r.Start, r.End, r.Transport, r.Client, r.Server, r.Service,
		strconv.FormatBool(r.IBMi), r.LabelSource, enc, r.TLSVersion, cell(r.SNI), cell(strings.Join(r.ALPN, ";")),
		cell(r.User), u(r.PacketsC2S), u(r.PacketsS2C), u(r.BytesC2S), u(r.BytesS2C),
		strings.Join(kinds, ";"), worst, r.Protocol, r.EndReason,
		r.TLSOffered, r.PortmapRequest, strconv.Itoa(r.PortmapPort), strconv.FormatBool(r.PortmapRefused),
		r.Control, strconv.FormatBool(r.MidStream), vlan,
	}
	return c.w.Write(row)
}

// Finish flushes the rows.
func (c *CSV) Finish(Summary) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// cell defuses text that came off the wire before it goes into a CSV cell:
// a spreadsheet would run a cell starting with = + - @ (or a tab or CR) as a
// formula, so such a cell gets a leading apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
