package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/record"
)

// rollupFlows is a busy site in miniature: 300 clients each sign on in
// clear to one IBM i, and 40 other servers each see one unknown flow.
func rollupFlows() []record.Flow {
	var out []record.Flow
	f := false
	for i := 0; i < 300; i++ {
		out = append(out, record.Flow{
			Schema: record.FlowSchema, Transport: "tcp", Service: "as-signon", IBMi: true, Encrypted: &f,
			Client: fmt.Sprintf("10.0.%d.%d:40000", i/200, i%200+1), Server: "10.9.9.9:8476", User: "IBMTST",
			Findings: []record.Finding{{Kind: "password_hash_exposed", Severity: "high", Message: "substitute and seeds visible"}},
		})
	}
	for i := 0; i < 15; i++ {
		out = append(out, record.Flow{Schema: record.FlowSchema, Transport: "tcp", Service: "telnet", IBMi: true, Encrypted: &f,
			Client: "10.1.1.2:5001", Server: fmt.Sprintf("10.3.0.%d:23", i+1),
			Findings: []record.Finding{{Kind: "user_id_exposed", Severity: "low", Message: "user ID in clear"}}})
	}
	for i := 0; i < 40; i++ {
		out = append(out, record.Flow{Schema: record.FlowSchema, Transport: "tcp", Service: "unknown",
			Client: "10.1.1.1:5000", Server: fmt.Sprintf("10.2.0.%d:%d", i+1, 20000+i)})
	}
	return out
}

func renderTable(t *testing.T, opt TableOptions) string {
	t.Helper()
	var b bytes.Buffer
	tb := NewTable(&b, opt)
	for _, r := range rollupFlows() {
		if err := tb.Write(&r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tb.Finish(Summary{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTableRollsUpFindings(t *testing.T) {
	out := renderTable(t, TableOptions{})
	if !strings.Contains(out, "FINDINGS (315 in 16 rows") || !strings.Contains(out, "(+6 more rows: the mildest findings") {
		t.Errorf("300 findings of one kind on one system should be one row:\n%s", out)
	}
	if n := strings.Count(out, "password_hash_exposed"); n != 1 {
		t.Errorf("finding rows = %d, want 1", n)
	}
	if !strings.Contains(out, "(+290 more)") || !strings.Contains(out, "IBMTST") {
		t.Errorf("top clients not cut at 10 or user missing:\n%s", out)
	}
	if !strings.Contains(out, "(+46 more rows: services with the fewest flows") {
		t.Errorf("services not cut at 10 rows:\n%s", out)
	}
	if !strings.Contains(out, "10.9.9.9:8476") {
		t.Errorf("the busiest service must survive the cut:\n%s", out)
	}
	if lines := strings.Count(out, "\n"); lines > 80 {
		t.Errorf("%d lines for 355 flows", lines)
	}
}

func TestTableAllShowsEveryRow(t *testing.T) {
	out := renderTable(t, TableOptions{All: true})
	if strings.Contains(out, "more rows") || strings.Contains(out, "(+290 more)") {
		t.Errorf("--all must not cut:\n%s", out)
	}
	if !strings.Contains(out, "10.2.0.40:20039") || !strings.Contains(out, "10.0.1.100 (1)") {
		t.Errorf("a row or a client is missing with --all")
	}
	if out3 := renderTable(t, TableOptions{Top: 3}); !strings.Contains(out3, "(+297 more)") {
		t.Errorf("--top 3 keeps 3 clients:\n%s", out3)
	}
}
