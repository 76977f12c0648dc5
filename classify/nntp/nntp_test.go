package nntp

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

const (
	refused = "tls_upgrade_refused/medium"
	clearPw = "cleartext_password/critical"
	authF   = "authentication_failure/medium"
)

type up = detecttest.Upgrade

// Flows of the captures recorded by testdata/record/nntp/record.sh (testdata/README.md).
var recorded = []struct {
	name string
	want up
}{
	{"nntp-starttls", up{Protocol: "nntp", How: "STARTTLS", TLS: 0x0304}},
	{"nntp-starttls-refused", up{Protocol: "nntp", Kinds: refused}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c, s := detecttest.Flow(t, tc.name)
			in := detect.Input{C2S: c, S2C: s, ServerPort: 119, Transport: 6}
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatal("not recognised")
			}
			detecttest.CheckUpgrade(t, &v, tc.want)
		})
	}
}

// transcripts are byte-literal sessions with what must come of them.
var transcripts = []struct {
	name     string
	c2s, s2c string
	ok       bool
	want     up
}{
	{"greeting only on 119", "", "200 news.example.com ready\r\n", true, up{Protocol: "nntp"}},
	{"capability block then 382 and a hello", "CAPABILITIES\r\nSTARTTLS\r\n\x16\x03\x01\x00\x01\x01",
		"200 ready\r\n101 Capability list:\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n382 Continue with TLS negotiation\r\n", true,
		up{Protocol: "nntp", How: "STARTTLS"}},
	{"502", "STARTTLS\r\n", "201 ready, no posting\r\n502 Command unavailable\r\n", true, up{Protocol: "nntp", Kinds: refused}},
	{"AUTHINFO in clear", "AUTHINFO USER bob\r\nAUTHINFO PASS x\r\n", "200 ready\r\n381 more\r\n281 ok\r\n", true,
		up{Protocol: "nntp", User: "bob", Kinds: clearPw}},
	{"SMTP", "EHLO x\r\n", "220 m ESMTP\r\n", false, up{}},
	{"FTP 200", "USER x\r\n", "200 ok\r\n", false, up{}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: []byte(tc.c2s), S2C: []byte(tc.s2c), ServerPort: 119, Transport: 6}
			var v detect.Verdict
			if got := Detect(&in, &v); got != tc.ok {
				t.Fatalf("Detect = %v, want %v", got, tc.ok)
			}
			if tc.ok {
				detecttest.CheckUpgrade(t, &v, tc.want)
			}
		})
	}
}

func TestMidStreamAndUDPRefused(t *testing.T) {
	c, s := detecttest.Flow(t, recorded[0].name)
	for _, in := range []detect.Input{
		{C2S: c, S2C: s, ServerPort: 119, Transport: 6, MidStream: true},
		{C2S: c, S2C: s, ServerPort: 119, Transport: 17},
	} {
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("recognised mid-stream %v transport %d", in.MidStream, in.Transport)
		}
	}
}

func FuzzNNTPDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add([]byte(tc.c2s), []byte(tc.s2c))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 119, Transport: 6}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != "nntp" || len(v.Findings) > 8 {
			t.Fatalf("verdict %+v", v)
		}
	})
}
