package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ibmitap/ibmitap/report/compliance"
	"github.com/ibmitap/ibmitap/store"
)

func runReport(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"report"}, args...), nil, &out, &errb)
	return out.String(), errb.String(), code
}

func decodeReport(t *testing.T, s string) *compliance.Report {
	t.Helper()
	var r compliance.Report
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, s)
	}
	return &r
}

// TestReportGolden renders the compliance report of every bundled capture
// as JSON and Markdown and compares them with testdata/golden/report.*.
func TestReportGolden(t *testing.T) {
	files := captures(t)
	for _, format := range []string{"json", "md"} {
		t.Run(format, func(t *testing.T) {
			out, errs, code := runReport(t, append([]string{"--format", format}, files...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden := filepath.Join(testdataDir, "golden", "report."+format)
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/ibmitap -run Golden -update)", err)
			}
			if out != string(want) {
				t.Errorf("report differs from %s (rerun with -update after checking):\n--- got\n%s", golden, out)
			}
		})
	}
}

// TestReportControls asserts each control's verdict on captures where it
// must pass and where it must fail.
func TestReportControls(t *testing.T) {
	cases := []struct {
		capture string
		want    map[string]string
		user    string // must be named as a password exposure
	}{
		{"telnet-login-23.pcap", map[string]string{
			"auth-factors-encrypted": "fail", "admin-access-encrypted": "fail",
			"transmission-encrypted": "fail", "strong-tls": "not_assessed",
		}, "ibmitst"},
		{"tls13-sni-9476.pcap", map[string]string{
			"auth-factors-encrypted": "pass", "transmission-encrypted": "pass", "strong-tls": "pass",
			"host-servers-tls": "pass", "admin-access-encrypted": "not_assessed",
		}, ""},
		{"tls13-nosni-9471.pcap", map[string]string{
			"auth-factors-encrypted": "pass", "strong-tls": "pass", "host-servers-tls": "pass",
		}, ""},
		{"tls11-sni-992.pcap", map[string]string{
			"strong-tls": "fail", "admin-access-encrypted": "pass", "auth-factors-encrypted": "pass",
		}, ""},
		{"tls10-nosni-2010.pcap", map[string]string{"strong-tls": "fail"}, ""},
		{"syn-only.pcap", map[string]string{
			"auth-factors-encrypted": "not_assessed", "admin-access-encrypted": "not_assessed",
			"transmission-encrypted": "not_assessed", "strong-tls": "not_assessed", "host-servers-tls": "not_assessed",
		}, ""},
		{"jt400-plain-signon.pcap", map[string]string{
			"auth-factors-encrypted": "fail", "host-servers-tls": "fail", "transmission-encrypted": "fail",
		}, ""},
		{"jt400-tls.pcap", map[string]string{
			"auth-factors-encrypted": "pass", "host-servers-tls": "pass", "strong-tls": "pass",
		}, ""},
		{"jt400-plain-database-command.pcap", map[string]string{"admin-access-encrypted": "fail"}, ""},
		{"ftp-anonymous.pcap", map[string]string{"auth-factors-encrypted": "pass", "transmission-encrypted": "fail"}, ""},
		{"ftp-plain-curl.pcap", map[string]string{"auth-factors-encrypted": "fail"}, "ibmitst"},
		{"drda-secmec3.pcap", map[string]string{"auth-factors-encrypted": "fail", "host-servers-tls": "fail"}, "drdauser"},
		{"smb-smb3-encrypted.pcap", map[string]string{"transmission-encrypted": "pass"}, ""},
	}
	for _, c := range cases {
		t.Run(c.capture, func(t *testing.T) {
			out, errs, code := runReport(t, "--format", "json", filepath.Join(testdataDir, c.capture))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			r := decodeReport(t, out)
			got := map[string]compliance.Control{}
			for _, x := range r.Controls {
				got[x.ID] = x
			}
			for id, want := range c.want {
				x, ok := got[id]
				if !ok {
					t.Errorf("control %s missing", id)
					continue
				}
				if x.Status != want {
					t.Errorf("%s: %s, want %s (%s)", id, x.Status, want, x.Reason)
				}
				if x.Status == "fail" && x.Evidence == 0 {
					t.Errorf("%s fails with no evidence", id)
				}
			}
			if c.user != "" {
				found := false
				for _, e := range r.Exposures {
					found = found || (e.Class == compliance.ClassPassword && e.User == c.user)
				}
				if !found {
					t.Errorf("no password exposure names %s: %+v", c.user, r.Exposures)
				}
			}
		})
	}
}

// TestReportSameFromJSONLines: the report from `read --format json` output
// is the report from the captures themselves.
func TestReportSameFromJSONLines(t *testing.T) {
	files := captures(t)
	jsonl, errs, code := readCapture(t, "json", files...)
	if code != exitOK {
		t.Fatalf("read: exit %d: %s", code, errs)
	}
	path := filepath.Join(t.TempDir(), "flows.jsonl")
	if err := os.WriteFile(path, []byte(jsonl), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range reportFormats {
		fromCaps, errs, code := runReport(t, append([]string{"--format", format}, files...)...)
		if code != exitOK {
			t.Fatalf("captures: exit %d: %s", code, errs)
		}
		fromLines, errs, code := runReport(t, "--format", format, path)
		if code != exitOK {
			t.Fatalf("JSON lines: exit %d: %s", code, errs)
		}
		if fromCaps != fromLines {
			t.Errorf("%s: the report from JSON lines differs from the report from captures", format)
		}
	}
}

// TestReportBrokenLine: a broken JSON line is named (file and line), the
// rest is still read, and the exit status is 1.
func TestReportBrokenLine(t *testing.T) {
	jsonl, _, _ := readCapture(t, "json", filepath.Join(testdataDir, "telnet-login-23.pcap"), filepath.Join(testdataDir, "jt400-tls.pcap"))
	lines := strings.Split(strings.TrimSpace(jsonl), "\n")
	broken := append([]string{lines[0], `{"schema":"ibmitap.flow/1", cut here`}, lines[1:]...)
	path := filepath.Join(t.TempDir(), "broken.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(broken, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runReport(t, "--format", "json", path)
	if code != exitError {
		t.Errorf("exit %d, want %d", code, exitError)
	}
	if !strings.Contains(errs, path+": line 2:") {
		t.Errorf("stderr does not name the line: %s", errs)
	}
	r := decodeReport(t, out)
	if want := uint64(len(lines) - 1); r.Coverage.Flows != want || !r.Coverage.Known {
		t.Errorf("flows %d (coverage known %v), want %d and the run summary", r.Coverage.Flows, r.Coverage.Known, want)
	}
}

func TestReportUsage(t *testing.T) {
	file := filepath.Join(testdataDir, "telnet-login-23.pcap")
	for _, args := range [][]string{
		{"--since", "2026-11-22", "--until", "2026-11-21", file},
		{"--since", "2026-11-21T00:00:00Z", "--until", "2026-11-21T00:00:00Z", file},
		{"--since", "yesterday", file},
		{},
		{"--format", "pdf", file},
	} {
		if _, errs, code := runReport(t, args...); code != exitUsage || errs == "" {
			t.Errorf("report %q: exit %d, want %d with a message", args, code, exitUsage)
		}
	}
}

// TestReportPeriod: flows outside --since/--until are left out.
func TestReportPeriod(t *testing.T) {
	file := filepath.Join(testdataDir, "telnet-login-23.pcap")
	out, _, code := runReport(t, "--format", "json", "--since", "2026-11-22", file)
	if code != exitOK {
		t.Fatal(code)
	}
	if r := decodeReport(t, out); r.Coverage.Flows != 0 || r.Controls[0].Status != "not_assessed" {
		t.Errorf("a period after the capture still holds %d flows", r.Coverage.Flows)
	}
	out, _, _ = runReport(t, "--format", "json", "--since", "2026-11-21", "--until", "2026-11-22", file)
	if r := decodeReport(t, out); r.Coverage.Flows == 0 || r.Period.From != "2026-11-21T00:00:00.000000000Z" {
		t.Errorf("the period of the capture: %d flows, from %s", r.Coverage.Flows, r.Period.From)
	}
}

// TestReportOutputFile: -o writes the file whole (through a rename) and
// picks the format from the extension.
func TestReportOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if _, errs, code := runReport(t, "-o", path, filepath.Join(testdataDir, "jt400-tls.pcap")); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	decodeReport(t, string(b))
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestReportRedactUsers: with --redact-users no user profile of the
// captures is left in any format, and pseudonyms stand in their place.
func TestReportRedactUsers(t *testing.T) {
	files := captures(t)
	out, _, code := runReport(t, append([]string{"--format", "json"}, files...)...)
	if code != exitOK {
		t.Fatal(code)
	}
	plain := decodeReport(t, out)
	names := map[string]bool{}
	for _, e := range plain.Exposures {
		names[e.User] = true
	}
	for _, y := range plain.Systems {
		for _, s := range y.Services {
			for _, u := range s.Users {
				names[u] = true
			}
		}
	}
	delete(names, "")
	if len(names) < 5 {
		t.Fatalf("only %d user profiles in the captures' report: %v", len(names), names)
	}
	key := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(key, []byte("a secret key of the security team\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range reportFormats {
		out, errs, code := runReport(t, append([]string{"--format", format, "--redact-users", key}, files...)...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", format, code, errs)
		}
		// File names may contain words like "anonymous"; they are not
		// user profiles.
		for _, f := range files {
			out = strings.ReplaceAll(out, f, "")
		}
		for n := range names {
			if strings.Contains(out, n) {
				t.Errorf("%s: user profile %q survives --redact-users", format, n)
			}
		}
		if !strings.Contains(out, "user-") {
			t.Errorf("%s: no pseudonym in the output", format)
		}
	}
	t.Setenv("IBMITAP_TEST_KEY", "a secret key of the security team")
	a, _, _ := runReport(t, "--format", "json", "--redact-users", key, files[0])
	b, _, _ := runReport(t, "--format", "json", "--redact-users", "env:IBMITAP_TEST_KEY", files[0])
	if a != b {
		t.Error("the same key from a file and from the environment gives different pseudonyms")
	}
	if _, _, code := runReport(t, "--redact-users", "env:IBMITAP_NO_SUCH_KEY", files[0]); code != exitError {
		t.Errorf("a missing key: exit %d", code)
	}
}

// TestReportBaseline: exposures that are gone are resolved, new ones new.
func TestReportBaseline(t *testing.T) {
	td := func(n string) string { return filepath.Join(testdataDir, n) }
	base, _, code := runReport(t, "--format", "json", td("telnet-login-23.pcap"), td("jt400-plain-signon.pcap"))
	if code != exitOK {
		t.Fatal(code)
	}
	path := filepath.Join(t.TempDir(), "base.json")
	if err := os.WriteFile(path, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runReport(t, "--format", "json", "--baseline", path, td("jt400-plain-signon.pcap"), td("ftp-plain-curl.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	r := decodeReport(t, out)
	if r.Baseline == nil {
		t.Fatal("no baseline section")
	}
	has := func(list []compliance.Exposure, svc string) bool {
		for _, e := range list {
			if e.Service == svc && e.Class == compliance.ClassPassword && e.User == "ibmitst" {
				return true
			}
		}
		return false
	}
	if !has(r.Baseline.Resolved, "telnet") || !has(r.Baseline.New, "ftp") || r.Baseline.Unchanged == 0 {
		t.Errorf("baseline: new %+v resolved %+v unchanged %d", r.Baseline.New, r.Baseline.Resolved, r.Baseline.Unchanged)
	}
	os.WriteFile(path, []byte(`{"schema":"something/else"}`), 0o644)
	if _, errs, code := runReport(t, "--baseline", path, td("jt400-plain-signon.pcap")); code != exitError || !strings.Contains(errs, path) {
		t.Errorf("a foreign baseline: exit %d: %s", code, errs)
	}
}

// TestReportSameFromStore: read --db into a store and --format json into a
// file in one run; the report from the store, from the JSON lines and from
// the captures themselves is the same.
func TestReportSameFromStore(t *testing.T) {
	files := captures(t)
	dir := t.TempDir()
	db, jsonl := filepath.Join(dir, "flows.db"), filepath.Join(dir, "flows.jsonl")
	var out, errb bytes.Buffer
	args := append([]string{"read", "--db", db, "--sensor", "s1", "--format", "json", "-o", jsonl}, files...)
	if code := run(context.Background(), args, nil, &out, &errb); code != exitOK {
		t.Fatalf("read --db: exit %d: %s", code, errb.String())
	}
	for _, format := range []string{"json", "md"} {
		fromStore, errs, code := runReport(t, "--format", format, "--db", db)
		if code != exitOK {
			t.Fatalf("report --db: exit %d: %s", code, errs)
		}
		fromLines, _, _ := runReport(t, "--format", format, jsonl)
		fromCaps, _, _ := runReport(t, append([]string{"--format", format, "--sensor", "s1"}, files...)...)
		if fromStore != fromLines {
			t.Errorf("%s: the report from the store differs from the report from JSON lines", format)
		}
		if fromStore != fromCaps {
			t.Errorf("%s: the report from the store differs from the report from the captures", format)
		}
	}
}

// TestReportBadStore: a file that is not a store is refused with the
// store's message.
func TestReportBadStore(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "not.db")
	if err := os.WriteFile(bad, []byte("this is not a database, just text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := runReport(t, "--db", bad)
	if code != exitError || !strings.Contains(errs, "not.db") || !strings.Contains(errs, "not an ibmitap store") {
		t.Errorf("not a store: exit %d: %s", code, errs)
	}
	// A store written by a newer ibmitap is refused, naming both versions.
	db := filepath.Join(t.TempDir(), "newer.db")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"read", "--db", db, "--format", "json", filepath.Join(testdataDir, "syn-only.pcap")}, nil, &out, &errb); code != exitOK {
		t.Fatalf("read --db: exit %d: %s", code, errb.String())
	}
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec("INSERT INTO ibmitap_schema (version, migrated_ns) VALUES (?, 0)", store.Version+1); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	_, errs, code = runReport(t, "--db", db)
	if want := fmt.Sprintf("schema version %d is newer than this ibmitap's %d", store.Version+1, store.Version); code != exitError || !strings.Contains(errs, want) {
		t.Errorf("newer schema: exit %d: %s", code, errs)
	}
	if _, _, code := runReport(t, "--db", bad, filepath.Join(testdataDir, "syn-only.pcap")); code != exitUsage {
		t.Errorf("--db with files: exit %d, want %d", code, exitUsage)
	}
}
