package pgsql

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

const (
	refused = "tls_upgrade_refused/medium"
	clearPw = "cleartext_password/critical"
)

type up = detecttest.Upgrade

// Flows of the captures made by testdata/record/pgsql/record.sh (testdata/README.md).
var recorded = []struct {
	name string
	want up
}{
	{"pgsql-sslrequest-tls", up{Protocol: "postgresql", How: "SSLRequest", TLS: 0x0304}},
	{"pgsql-sslrequest-refused", up{Protocol: "postgresql", User: "ibmitst", Kinds: refused + "," + clearPw}},
}

func TestRecorded(t *testing.T) {
	for _, tc := range recorded {
		t.Run(tc.name, func(t *testing.T) {
			c, s := detecttest.Flow(t, tc.name)
			in := detect.Input{C2S: c, S2C: s, ServerPort: 5432, Transport: 6}
			var v detect.Verdict
			if !Detect(&in, &v) {
				t.Fatal("not recognised")
			}
			detecttest.CheckUpgrade(t, &v, tc.want)
		})
	}
}

// transcripts are byte-literal exchanges (hex) with what must come of them.
var transcripts = []struct {
	name     string
	c2s, s2c string
	ok       bool
	want     up
}{
	// SSLRequest (length 8, code 1234.5679), answered S, then a ClientHello.
	{"SSLRequest S", "00000008 04d2162f 1603010001 01", "53", true, up{Protocol: "postgresql", How: "SSLRequest"}},
	// Answered N; the StartupMessage for user bob follows in clear.
	{"SSLRequest N then startup", "00000008 04d2162f 00000012 00030000 7573657200 626f6200 00", "4e", true,
		up{Protocol: "postgresql", User: "bob", Kinds: refused}},
	{"SSLRequest, answer not captured", "00000008 04d2162f", "", true, up{Protocol: "postgresql"}},
	// GSSENCRequest answered N, then an SSLRequest answered S.
	{"GSSENCRequest N then SSLRequest S", "00000008 04d21630 00000008 04d2162f 1603010001 01", "4e 53", true,
		up{Protocol: "postgresql", How: "SSLRequest"}},
	// A plain StartupMessage with database first.
	{"startup without SSLRequest", "0000001b 00030000 6461746162617365 00 7800 7573657200 7500 00", "", true,
		up{Protocol: "postgresql", User: "u"}},
	{"SSLRequest answered by something else", "00000008 04d2162f", "48", false, up{}},
	{"length 8, other code", "00000008 04d21631", "", false, up{}},
	{"startup with an unknown parameter", "00000011 00030000 666f6f00 6200 00", "", false, up{}},
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			in := detect.Input{C2S: detecttest.Unhex(t, tc.c2s), S2C: detecttest.Unhex(t, tc.s2c), ServerPort: 5432, Transport: 6}
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
		{C2S: c, S2C: s, ServerPort: 5432, Transport: 6, MidStream: true},
		{C2S: c, S2C: s, ServerPort: 5432, Transport: 17},
	} {
		var v detect.Verdict
		if Detect(&in, &v) {
			t.Errorf("recognised mid-stream %v transport %d", in.MidStream, in.Transport)
		}
	}
}

func FuzzPgSQLDetect(f *testing.F) {
	for _, tc := range transcripts {
		f.Add(detecttest.MustHex(tc.c2s), detecttest.MustHex(tc.s2c))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := detect.Input{C2S: c2s, S2C: s2c, ServerPort: 5432, Transport: 6}
		var v detect.Verdict
		if !Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != "postgresql" || len(v.Findings) > 3 {
			t.Fatalf("verdict %+v", v)
		}
	})
}
