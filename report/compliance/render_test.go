package compliance

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/record"
)

func flow(user, svc, server string, enc bool, findings ...record.Finding) *record.Flow {
	e := enc
	return &record.Flow{
		Schema: record.FlowSchema, CommunityID: "1:test", Start: "2026-11-21T00:00:00.000000000Z",
		End: "2026-11-21T00:00:01.000000000Z", Transport: "tcp", Client: "10.0.0.9:40000",
		Server: server, Service: svc, IBMi: strings.HasPrefix(svc, "as-"), Encrypted: &e,
		User: user, Findings: findings,
	}
}

// hostile is a user name an attacker could put on the wire.
const hostile = "<img src=x onerror=alert(1)>|*x*\x1b[31m=cmd"

func hostileReport(t *testing.T, opt Options) *Report {
	t.Helper()
	b := NewBuilder(opt)
	b.Add(flow(hostile, "as-signon", "10.0.0.1:8476", false,
		record.Finding{Kind: "password_hash_exposed", Severity: "high", User: hostile, Mechanism: "SHA-1"},
		record.Finding{Kind: "plaintext_where_tls_expected", Severity: "high"}))
	b.Add(flow("", "telnet", "10.0.0.1:23", false,
		record.Finding{Kind: "cleartext_password", Severity: "critical", User: "BOB"}))
	return b.Report()
}

// Text from the wire is inert in every format.
func TestEscaping(t *testing.T) {
	r := hostileReport(t, Options{})
	var h, m, tb bytes.Buffer
	if err := WriteHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&m, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteTable(&tb, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h.String(), "<img") || !strings.Contains(h.String(), "&lt;img") {
		t.Error("HTML: the user name is not escaped")
	}
	if strings.Count(m.String(), "<img") != strings.Count(m.String(), `\<img`) || !strings.Contains(m.String(), `\<img src=x onerror=alert(1)\>\|\*x\*`) {
		t.Error("Markdown: the user name is not escaped")
	}
	for name, s := range map[string]string{"html": h.String(), "md": m.String(), "table": tb.String()} {
		if strings.Contains(s, "\x1b") {
			t.Errorf("%s: a terminal escape passes through", name)
		}
	}
}

// The controls judge what they must: a telnet password fails the
// authentication-factor control, a substitute too, and both name their user.
func TestControlsAndClasses(t *testing.T) {
	r := hostileReport(t, Options{})
	st := map[string]string{}
	for _, c := range r.Controls {
		st[c.ID] = c.Status
	}
	want := map[string]string{"auth-factors-encrypted": Fail, "admin-access-encrypted": Fail,
		"host-servers-tls": Fail, "transmission-encrypted": Fail, "strong-tls": NotAssessed}
	for id, w := range want {
		if st[id] != w {
			t.Errorf("%s: %s, want %s", id, st[id], w)
		}
	}
	got := map[string]string{}
	for _, e := range r.Exposures {
		got[e.Class] = e.User
	}
	if got[ClassPassword] != "BOB" || !strings.Contains(got[ClassSubstitute], "onerror") || got[ClassUserID] != "" {
		t.Errorf("exposures by class: %q", got)
	}
}

// --redact-users: no profile name is left, and the pseudonym is stable.
func TestRedaction(t *testing.T) {
	p, err := Pseudonymizer([]byte("0123456789abcdef0123"))
	if err != nil {
		t.Fatal(err)
	}
	r := hostileReport(t, Options{Pseudonym: p})
	var all bytes.Buffer
	WriteJSON(&all, r)
	WriteMarkdown(&all, r)
	WriteHTML(&all, r)
	WriteTable(&all, r)
	for _, u := range []string{"BOB", "onerror"} {
		if strings.Contains(all.String(), u) {
			t.Errorf("%q survives redaction", u)
		}
	}
	if p("BOB") != p("BOB") || p("BOB") == p("ALICE") || !strings.HasPrefix(p("BOB"), "user-") || len(p("BOB")) != 17 {
		t.Errorf("pseudonyms: %s %s", p("BOB"), p("ALICE"))
	}
	if _, err := Pseudonymizer([]byte("short")); err == nil {
		t.Error("a short key is accepted")
	}
}

// Memory follows the groups, not the flows: many flows of one group keep
// one group and a bounded sample list.
func TestRollUp(t *testing.T) {
	b := NewBuilder(Options{Top: 3})
	for i := 0; i < 5000; i++ {
		f := flow("U", "as-signon", "10.0.0.1:8476", false, record.Finding{Kind: "plaintext_where_tls_expected", Severity: "high"})
		f.Client = "10.0.1." + string(rune('0'+i%10)) + ":1"
		b.Add(f)
	}
	r := b.Report()
	if len(r.Findings) != 1 || r.Findings[0].Count != 5000 || len(r.Findings[0].Samples) != samplesPerGroup ||
		len(r.Findings[0].Clients) != 3 || r.Findings[0].ClientCount != 10 {
		t.Errorf("roll-up: %+v", r.Findings)
	}
}

// A user name that a spreadsheet would run as a formula is defused in CSV.
func TestCSVDefused(t *testing.T) {
	b := NewBuilder(Options{})
	b.Add(flow("=HYPERLINK(\"http://x\")", "telnet", "10.0.0.1:23", false,
		record.Finding{Kind: "cleartext_password", Severity: "critical", User: "@SUM(1)"}))
	var c bytes.Buffer
	if err := WriteCSV(&c, b.Report()); err != nil {
		t.Fatal(err)
	}
	rd := csv.NewReader(&c)
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("formula cell %q", cell)
			}
			if strings.HasPrefix(cell, "'=HYPERLINK") || strings.HasPrefix(cell, "'@SUM") {
				seen++
			}
		}
	}
	if seen == 0 {
		t.Error("the user names are not in the CSV at all")
	}
}
