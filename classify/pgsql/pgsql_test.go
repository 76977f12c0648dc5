package pgsql

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect/detecttest"
)

type up = detecttest.Upgrade

// Flows of the captures made by testdata/record/pgsql/record.sh (testdata/README.md).
var recorded = []detecttest.Recorded{
	{Name: "pgsql-sslrequest-tls", Want: up{Protocol: "postgresql", How: "SSLRequest", TLS: 0x0304}},
	{Name: "pgsql-sslrequest-refused", Want: up{Protocol: "postgresql", User: "ibmitst", Kinds: detecttest.Refused + "," + detecttest.ClearPw}},
}

// transcripts are byte-literal exchanges (hex) with what must come of them.
var transcripts = []detecttest.Transcript{
	// SSLRequest (length 8, code 1234.5679), answered S, then a ClientHello.
	{Name: "SSLRequest S", C2S: "00000008 04d2162f 1603010001 01", S2C: "53", OK: true, Want: up{Protocol: "postgresql", How: "SSLRequest"}},
	// Answered N; the StartupMessage for user bob follows in clear.
	{Name: "SSLRequest N then startup", C2S: "00000008 04d2162f 00000012 00030000 7573657200 626f6200 00", S2C: "4e", OK: true,
		Want: up{Protocol: "postgresql", User: "bob", Kinds: detecttest.Refused}},
	{Name: "SSLRequest, answer not captured", C2S: "00000008 04d2162f", S2C: "", OK: true, Want: up{Protocol: "postgresql"}},
	// GSSENCRequest answered N, then an SSLRequest answered S.
	{Name: "GSSENCRequest N then SSLRequest S", C2S: "00000008 04d21630 00000008 04d2162f 1603010001 01", S2C: "4e 53", OK: true,
		Want: up{Protocol: "postgresql", How: "SSLRequest"}},
	// A plain StartupMessage with database first.
	{Name: "startup without SSLRequest", C2S: "0000001b 00030000 6461746162617365 00 7800 7573657200 7500 00", S2C: "", OK: true,
		Want: up{Protocol: "postgresql", User: "u"}},
	{Name: "MD5 answer and salt", C2S: "00000012 00030000 7573657200 626f6200 00 70 00000028 6d6435 3031323334353637383961626364656630313233343536373839616263646566 00", S2C: "52 0000000c 00000005 01020304", OK: true,
		Want: up{Protocol: "postgresql", User: "bob", Kinds: detecttest.HashExposed}},
	{Name: "MD5 answer, salt not captured", C2S: "00000012 00030000 7573657200 626f6200 00 70 00000028 6d6435 3031323334353637383961626364656630313233343536373839616263646566 00", S2C: "", OK: true, Want: up{Protocol: "postgresql", User: "bob"}},
	{Name: "MD5 request, answer no MD5 digest", C2S: "00000012 00030000 7573657200 626f6200 00 70 00000009 7365637200", S2C: "52 0000000c 00000005 01020304", OK: true,
		Want: up{Protocol: "postgresql", User: "bob"}},
	{Name: "SSLRequest answered by something else", C2S: "00000008 04d2162f", S2C: "48", OK: false, Want: up{}},
	{Name: "length 8, other code", C2S: "00000008 04d21631", S2C: "", OK: false, Want: up{}},
	{Name: "startup with an unknown parameter", C2S: "00000011 00030000 666f6f00 6200 00", S2C: "", OK: false, Want: up{}},
}

// TestUpgrade runs the shared upgrade checks over the tables.
func TestUpgrade(t *testing.T) { suite.Run(t) }

// FuzzPgSQLDetect fuzzes both heads (detecttest.Suite.Fuzz).
func FuzzPgSQLDetect(f *testing.F) { suite.Fuzz(f) }

// suite runs the checks the upgrade detectors share over this package's tables.
var suite = detecttest.Suite{Detect: Detect, Protocol: "postgresql", Port: 5432, Hex: true, MaxFindings: 3, Recorded: recorded, Transcripts: transcripts}
