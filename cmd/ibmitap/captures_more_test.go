package main

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// kindSeverity is the severity of each finding kind (README, "Finding
// kinds"); severityExceptions lists where a recording makes it another.
var kindSeverity = map[string]string{
	pwte: "high", cleartx: "critical", hashx: "high", userx: "low", sens: "medium", ontls: "high",
	weak: "medium", remap: "info", upgr: "info", authf: "medium", smbx: "medium",
	refused: "medium", downgr: "high",
}

var severityExceptions = map[string]map[string]string{
	"ftp-anonymous.pcap": {cleartx: "low"}, // an anonymous FTP login
	"smb-logonfail.pcap": {authf: "low"},   // a refused SMB session setup
}

// labelExceptions: the flows not named by their bytes (README, "How a flow
// is labelled"): TLS and payload-less flows by the port mapper's answer or
// the catalog. Every other flow's label_source is signature.
var labelExceptions = map[string]map[string]string{
	"drda-ssl-448.pcap":      {"448": "port"},
	"ftps-implicit-990.pcap": {"990": "port"},
	"ldaps-636.pcap":         {"636": "port"},
	"plain-to-9471.pcap":     {"9471": "port"},
	"tls10-nosni-2010.pcap":  {"2010": "port"},
	"tls11-sni-992.pcap":     {"992": "port"},
	"tls12-nosni-9476.pcap":  {"9476": "port"},
	"tls12-sni-9475.pcap":    {"9475": "port"},
	"tls13-nosni-9471.pcap":  {"9471": "port"},
	"tls13-sni-9476.pcap":    {"9476": "port"},
	"jt400-tls.pcap":         {"9471": "portmapper", "9475": "portmapper", "9476": "portmapper"},
	"jt400-remapped.pcap":    {"19471": "portmapper", "9476": "portmapper"},
	"syn-only.pcap": {"21": "port", "23": "port", "389": "port", "445": "port", "446": "port", "449": "port",
		"992": "port", "2001": "port", "8471": "port", "8475": "port", "8476": "port", "9471": "port", "9476": "port"},
}

// mechanisms: the password protection each recording used (testdata
// README): every finding's mechanism of the capture, sorted, de-duplicated.
var mechanisms = map[string]string{
	"drda-secmec3.pcap": "SECMEC 3", "drda-secmec4.pcap": "SECMEC 4", "drda-secmec8.pcap": "SECMEC 8",
	"http-digest.pcap": "HTTP Digest", "http-ntlm.pcap": "NTLMv2",
	"jt400-plain-signon.pcap": "SHA-1", "jt400-plain-signon-des.pcap": "DES",
	"jt400-plain-database-command.pcap": "SHA-1", "jt400-mapper-unknown.pcap": "SHA-1",
	"jt400-plain-to-tls-port.pcap": "SHA-1", "jt400-remapped.pcap": "SHA-1",
	"jt400-signon-refused.pcap": "SHA-1", "jt400-unusual-port-nomapper.pcap": "SHA-1",
	"ldap-simple-bind.pcap": "simple", "ldap-bind-fail.pcap": "simple",
	"smb-ntlmv1.pcap": "NTLMv1", "smb-ntlmssp-v1.pcap": "NTLMv1",
	"smb-logonfail.pcap": "NTLMv2", "smb-nbt139.pcap": "NTLMv2", "smb-smb1.pcap": "NTLMv2",
	"smb-smb3-plain.pcap": "NTLMv2", "smb-smb3-encrypted.pcap": "NTLMv2",
	"smtp-auth-plain-587.pcap": "PLAIN",
	"mysql-nossl-login.pcap":   "mysql_native_password",
}

// TestCaptureTruthCoversEveryCapture: every capture at the top of testdata
// has its row in the truth table (the link/, tunnel/ and undecodable/
// captures are checked against their source capture by their own tests).
func TestCaptureTruthCoversEveryCapture(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdataDir, "*.pcap*"))
	if len(files) < 70 {
		t.Fatalf("only %d captures", len(files))
	}
	for _, f := range files {
		if _, ok := captureTruth[filepath.Base(f)]; !ok {
			t.Errorf("%s has no row in captureTruth", filepath.Base(f))
		}
	}
}

// TestCaptureSeverityLabelMechanism checks, for every capture of the truth
// table, each finding's severity, each flow's label_source, and the
// mechanisms of the password findings.
func TestCaptureSeverityLabelMechanism(t *testing.T) {
	type finding struct{ Kind, Severity, Mechanism, Basis string }
	type flow struct {
		Server      string    `json:"server"`
		LabelSource string    `json:"label_source"`
		Findings    []finding `json:"findings"`
	}
	for name := range captureTruth {
		out, errs, code := readCapture(t, "json", filepath.Join(testdataDir, name))
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, code, errs)
		}
		mechs := map[string]bool{}
		for _, line := range flowLines(out) {
			var f flow
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			port := f.Server[strings.LastIndex(f.Server, ":")+1:]
			wantSrc := "signature"
			if s, ok := labelExceptions[name][port]; ok {
				wantSrc = s
			}
			if f.LabelSource != wantSrc {
				t.Errorf("%s port %s: label_source %q, want %q", name, port, f.LabelSource, wantSrc)
			}
			for _, fd := range f.Findings {
				want := kindSeverity[fd.Kind]
				if s, ok := severityExceptions[name][fd.Kind]; ok {
					want = s
				}
				if fd.Severity != want {
					t.Errorf("%s port %s: %s severity %q, want %q", name, port, fd.Kind, fd.Severity, want)
				}
				// What the finding rests on: the port alone only for the
				// plaintext payload on a TLS port (plain-to-9471 and the
				// site-less captures), else the bytes or the port mapper.
				wantBasis := "bytes"
				switch {
				case fd.Kind == ontls: // the catalog's TLS port
					wantBasis = "port"
				case fd.Kind == remap && name != "jt400-unusual-port-nomapper.pcap":
					wantBasis = "portmapper" // announced by the port mapper
				}
				if fd.Basis != wantBasis {
					t.Errorf("%s port %s: %s basis %q, want %q", name, port, fd.Kind, fd.Basis, wantBasis)
				}
				if fd.Mechanism != "" {
					mechs[fd.Mechanism] = true
				}
			}
		}
		var got []string
		for m := range mechs {
			got = append(got, m)
		}
		sort.Strings(got)
		if g := strings.Join(got, ","); g != mechanisms[name] {
			t.Errorf("%s: mechanisms %q, want %q", name, g, mechanisms[name])
		}
	}
}
