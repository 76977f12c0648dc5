package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/ibmitap/ibmitap/record"
)

// The columns before vlan, in their order: a consumer that reads the CSV by
// position must find them where they were.
var csvColumnsBeforeVLAN = []string{
	"schema", "community_id", "start", "end", "transport", "client", "server", "service", "ibmi",
	"label_source", "encrypted", "tls_version", "sni", "alpn", "user", "packets_c2s", "packets_s2c",
	"bytes_c2s", "bytes_s2c", "findings", "max_severity", "protocol", "end_reason",
	"tls_offered", "portmap_request", "portmap_port", "portmap_refused", "control", "mid_stream",
}

// The CSV carries the flow's VLAN in a last column: empty when untagged (the
// JSON line leaves the field out), the ID otherwise; the earlier columns
// keep their places.
func TestCSVVLANColumn(t *testing.T) {
	var b bytes.Buffer
	w := NewCSV(&b)
	for _, v := range []uint16{0, 100, 4094} {
		if err := w.Write(&record.Flow{Schema: record.FlowSchema, Service: "as-signon", VLAN: v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(Summary{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	if n := len(csvColumnsBeforeVLAN); len(head) < n+1 || !slices.Equal(head[:n], csvColumnsBeforeVLAN) || head[n] != "vlan" {
		t.Fatalf("header %q: want the earlier columns, then vlan", head)
	}
	at := len(csvColumnsBeforeVLAN)
	for i, want := range []string{"", "100", "4094"} {
		row := rows[i+1]
		if len(row) != len(head) || row[at] != want || row[7] != "as-signon" {
			t.Errorf("row %d: vlan %q service %q (%d cells), want vlan %q", i, row[at], row[7], len(row), want)
		}
	}
}
