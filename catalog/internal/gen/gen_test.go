package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedDir holds the source documents, kept in the repository.
const seedDir = "../../sources"

func seeds(t *testing.T) (flowed, cells string) {
	t.Helper()
	if _, err := os.Stat(seedDir); err != nil {
		t.Fatal("the source documents must be in the repository:", err)
	}
	var err error
	if flowed, err = readSeed(seedDir, "003_*"); err != nil {
		t.Fatal(err)
	}
	if cells, err = readSeed(seedDir, "004_*"); err != nil {
		t.Fatal(err)
	}
	return flowed, cells
}

// The committed data file is what the generator makes from the seeds now.
func TestGeneratedFileUpToDate(t *testing.T) {
	seeds(t)
	out := filepath.Join(t.TempDir(), "general.tsv")
	if err := run(seedDir, out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want, err := os.ReadFile("../../data/general.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("data/general.tsv is stale: run go generate in catalog/")
	}
}

func TestParseSpotChecks(t *testing.T) {
	flowed, cells := seeds(t)
	rows := parseRows(cells)
	recs, skipped, err := records(rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 143 || len(recs) != 252 || len(skipped) != 3 {
		t.Errorf("%d rows, %d records, %d skipped; want 143, 252, 3", len(rows), len(recs), len(skipped))
	}
	st, err := verify(rows, flowed)
	if err != nil || st.names != len(rows) {
		t.Errorf("verify against 003: %+v, %v", st, err)
	}
	find := func(name, proto string, port int) *rec {
		for i := range recs {
			if recs[i].Name == name && recs[i].Proto == proto && recs[i].Port == port {
				return &recs[i]
			}
		}
		return nil
	}
	for _, c := range []struct {
		name, proto string
		port, high  int
		trojan, tls bool
		desc        string
	}{
		{"gnutella", "tcp", 6346, 6346, false, false, "GNUtella"},
		{"gnutella", "udp", 6347, 6347, false, false, "GNUtella"},
		{"ssh", "tcp", 22, 22, false, false, "SSH"},
		{"socks", "tcp", 1080, 1080, true, false, "SOCKS"},
		{"https", "tcp", 443, 443, false, true, "HTTPs"},
		{"imaps", "tcp", 993, 993, false, true, "IMAPs - secure IMAP"},
		{"rtp", "udp", 16384, 32767, false, false, "RTP"},
		{"xing-streamworks", "udp", 1558, 1558, false, false, "Xing StreamWorks"},
		{"italk", "udp", 12345, 12345, true, false, "Italk"},
		{"aim-video-im", "tcp", 1024, 5000, false, false, "AIM Video IM"},
		{"napster-client", "tcp", 6600, 6699, false, false, "Napster client"},
		{"ultima-online-login", "tcp", 7775, 7777, false, false, "Ultima Online Login"},
		{"smtp", "tcp", 25, 25, false, false, "SMTP - Simple Mail Transfer Protocol"},
		{"eshare-admin-server", "tcp", 5764, 5764, false, false, "eShare Admin Server"},
	} {
		r := find(c.name, c.proto, c.port)
		if r == nil {
			t.Errorf("%s %d/%s missing", c.name, c.port, c.proto)
			continue
		}
		if r.High != c.high || r.Trojan != c.trojan || r.TLS != c.tls || r.Description != c.desc {
			t.Errorf("%s %d/%s = %+v", c.name, c.port, c.proto, *r)
		}
	}
	// references to other rows are kept in the notes, not expanded
	if r := find("ms-netmeeting", "tcp", 1503); r == nil || !strings.Contains(r.Notes, "H.323 HostCall") {
		t.Errorf("ms-netmeeting: %+v", r)
	}
	if r := find("vnc", "tcp", 5900); r == nil || !strings.Contains(r.Notes, "5900+") {
		t.Errorf("vnc: %+v", r)
	}
	if find("ldap", "tcp", 1024) != nil {
		t.Error("dyn >=1024 must not become a port")
	}
}

func TestPortLike(t *testing.T) {
	for s, want := range map[string]bool{
		"": true, "22": true, "2300-2400, 47624": true, "dyn >=1024": true, "1755, dyn >=1024 <=5000": true,
		"5800+, 5900+": true, "RTSP, 7070": true, "1024-5000 ?": true,
		"iSCSI is specified in RFC 3720 - Internet Small Computer Systems Interface.": false,
		"I have a separate page for Oracle ports.":                                    false,
	} {
		if got := portLike(s); got != want {
			t.Errorf("portLike(%q) = %v", s, got)
		}
	}
}
