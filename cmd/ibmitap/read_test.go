package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSiteFileChangesLabel: a site entry for one host renames the service of
// a flow the catalog labels by port.
func TestSiteFileChangesLabel(t *testing.T) {
	site := filepath.Join(t.TempDir(), "site")
	if err := os.WriteFile(site, []byte("127.0.0.1 9471/tcp order-entry-s tls ibmi=yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(testdataDir, "plain-to-9471.pcap")
	var out, errb strings.Builder
	code := run(t.Context(), []string{"read", "--format", "json", "--site", site, file}, nil, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r struct {
		Service     string `json:"service"`
		LabelSource string `json:"label_source"`
		IBMi        bool   `json:"ibmi"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &r); err != nil {
		t.Fatal(err)
	}
	if r.Service != "order-entry-s" || r.LabelSource != "site" || !r.IBMi {
		t.Errorf("with the site file: %+v", r)
	}
}

func TestBadSiteFileFailsAtStart(t *testing.T) {
	site := filepath.Join(t.TempDir(), "site")
	os.WriteFile(site, []byte("99999 nonsense\n"), 0o644)
	var out, errb strings.Builder
	code := run(t.Context(), []string{"read", "--site", site, filepath.Join(testdataDir, "plain-to-9471.pcap")}, nil, &out, &errb)
	if code != exitError || !strings.Contains(errb.String(), "site:1") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// TestDamagedCaptures: a capture cut short, a file that is no capture and a
// capture whose last record is cut give exit status 1 and an error naming the
// file (and the packet), and the flows read before the fault are reported.
func TestDamagedCaptures(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testdataDir, "jt400-plain-signon.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name      string
		file      string
		wantInErr []string
		wantFlows bool
	}{
		{"truncated mid-file", write("cut.pcap", src[:len(src)/2]), []string{"cut.pcap", "packet"}, true},
		{"last record cut", write("last.pcap", src[:len(src)-7]), []string{"last.pcap", "packet"}, true},
		{"not a capture", write("notes.txt", []byte("this is not a capture file\n")), []string{"notes.txt"}, false},
		{"empty", write("empty.pcap", nil), []string{"empty.pcap"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb strings.Builder
			code := run(t.Context(), []string{"read", "--format", "json", tt.file}, nil, &out, &errb)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			for _, w := range tt.wantInErr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q does not name %q", errb.String(), w)
				}
			}
			if got := strings.Count(out.String(), "\n") > 0; got != tt.wantFlows {
				t.Errorf("flows reported = %v, want %v (stdout %q)", got, tt.wantFlows, out.String())
			}
		})
	}
}

func TestFailOn(t *testing.T) {
	file := filepath.Join(testdataDir, "jt400-plain-signon.pcap")
	var out, errb strings.Builder
	if code := run(t.Context(), []string{"read", "--format", "json", "--fail-on", "high", file}, nil, &out, &errb); code != exitFindings {
		t.Errorf("--fail-on high: exit %d, want %d", code, exitFindings)
	}
	if code := run(t.Context(), []string{"read", "--format", "json", "--fail-on", "critical", file}, nil, &out, &errb); code != exitOK {
		t.Errorf("--fail-on critical: exit %d, want %d", code, exitOK)
	}
	if code := run(t.Context(), []string{"read", "--fail-on", "bogus", file}, nil, &out, &errb); code != exitUsage {
		t.Errorf("--fail-on bogus: exit %d, want %d", code, exitUsage)
	}
}

func TestPorts(t *testing.T) {
	for _, tt := range []struct{ q, want string }{
		{"8471", "as-database"},
		{"as-signon-s", "9476"},
		{"6346", "gnutella"},
	} {
		var out, errb strings.Builder
		if code := run(t.Context(), []string{"ports", tt.q}, nil, &out, &errb); code != exitOK {
			t.Fatalf("ports %s: exit %d: %s", tt.q, code, errb.String())
		}
		if !strings.Contains(out.String(), tt.want) {
			t.Errorf("ports %s lacks %q:\n%s", tt.q, tt.want, out.String())
		}
	}
}

func TestTableOutput(t *testing.T) {
	var out, errb strings.Builder
	code := run(t.Context(), []string{"read", filepath.Join(testdataDir, "jt400-plain-database-command.pcap")}, nil, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, w := range []string{"SERVICES", "as-rmtcmd", "IBM i SERVERS BY SYSTEM", "IBMTST", "FINDINGS", "password_hash_exposed", "COUNTERS"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("table output lacks %q", w)
		}
	}
}

// TestSYNOnlyCapture: connection attempts that never carried payload are
// reported, with encrypted null and no finding at all.
func TestSYNOnlyCapture(t *testing.T) {
	out, errs, code := readCapture(t, "json", filepath.Join(testdataDir, "syn-only.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := flowLines(out)
	if len(lines) != 13 {
		t.Fatalf("got %d flows, want 13", len(lines))
	}
	for _, l := range lines {
		var r struct {
			Encrypted *bool             `json:"encrypted"`
			Findings  []json.RawMessage `json:"findings"`
			User      string            `json:"user"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Encrypted != nil || len(r.Findings) != 0 || r.User != "" {
			t.Errorf("SYN-only flow reported %s", l)
		}
	}
}

func TestFlagsAfterFiles(t *testing.T) {
	file := filepath.Join(testdataDir, "plain-to-9471.pcap")
	var out, errb strings.Builder
	if code := run(t.Context(), []string{"read", file, "--format", "json"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), `{"schema"`) {
		t.Errorf("--format after the file was not applied: %.60q", out.String())
	}
}

func TestBadFlagsChangeNothing(t *testing.T) {
	keep := filepath.Join(t.TempDir(), "keep.json")
	os.WriteFile(keep, []byte("precious"), 0o644)
	file := filepath.Join(testdataDir, "plain-to-9471.pcap")
	for _, args := range [][]string{
		{"read", "--format", "xml", "-o", keep, file},
		{"read", "--head-bytes", "1", "-o", keep, file},
		{"read", "--max-flows", "0", "-o", keep, file},
	} {
		var out, errb strings.Builder
		if code := run(t.Context(), args, nil, &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if b, _ := os.ReadFile(keep); string(b) != "precious" {
		t.Errorf("a rejected command line truncated the -o file")
	}
}

// TestPortmapAnswers: the port-mapper flows say what the mapper answered:
// the port, or that it refused the name.
func TestPortmapAnswers(t *testing.T) {
	out, errs, code := readCapture(t, "json", filepath.Join(testdataDir, "jt400-mapper-unknown.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := strings.Count(out, `"portmap_refused":true`); n != 4 {
		t.Errorf("%d refused lookups, want 4", n)
	}
	if !strings.Contains(out, `"portmap_request":"as-signon","portmap_port":8476`) {
		t.Error("the successful as-signon lookup does not carry its port")
	}
}

func TestReadStdinAndDirectory(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testdataDir, "jt400-plain-signon.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	if code := run(t.Context(), []string{"read", "--format", "json", "-"}, strings.NewReader(string(b)), &out, &errb); code != exitOK {
		t.Fatalf("stdin: exit %d: %s", code, errb.String())
	}
	if n := len(flowLines(out.String())); n != 3 {
		t.Errorf("stdin: %d flows, want 3", n)
	}
	out.Reset()
	errb.Reset()
	code := run(t.Context(), []string{"read", testdataDir}, nil, &out, &errb)
	if code != exitError || !strings.Contains(errb.String(), "is a directory") || out.Len() != 0 {
		t.Errorf("directory: exit %d, stderr %q, stdout %d bytes", code, errb.String(), out.Len())
	}
}

// flowLines returns the flow records of JSON-lines output, without the run
// summary that ends it.
func flowLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" && !strings.Contains(l, `"schema":"ibmitap.run/1"`) {
			lines = append(lines, l)
		}
	}
	return lines
}
