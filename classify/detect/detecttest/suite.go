package detecttest

import (
	"testing"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Recorded is a recorded flow of an upgrade detector's table
// (testdata/flows/NAME.c2s.hex and NAME.s2c.hex) with what must come of it.
type Recorded struct {
	Name string
	Port uint16 // server port; 0 for the suite's
	Want Upgrade
}

// Transcript is a byte-literal session of an upgrade detector's table with
// what must come of it.
type Transcript struct {
	Name     string
	C2S, S2C string // text, or hex digits when the suite's Hex is set
	Port     uint16 // server port; 0 for the suite's
	OK       bool   // Detect must match
	Want     Upgrade
}

// Suite is the test shape the STARTTLS-style detectors (IMAP, POP3, NNTP,
// XMPP, SMTP, PostgreSQL, MySQL, TDS) share: each package's tests are its
// table, the checks are these.
type Suite struct {
	Detect   detect.Func
	Protocol string // Verdict.Protocol of a match
	Port     uint16 // server port of the flows and transcripts
	Hex      bool   // transcripts are written in hex
	// MaxFindings bounds the findings of a match on fuzzed bytes.
	MaxFindings int
	Recorded    []Recorded
	Transcripts []Transcript
}

// Finding kinds with severities as the upgrade tables write them (Kinds).
const (
	Refused     = "tls_upgrade_refused/medium"
	ClearPw     = "cleartext_password/critical"
	AuthFailed  = "authentication_failure/medium"
	HashExposed = "password_hash_exposed/high"
)

// Run runs the table checks as subtests: the recorded flows, the
// transcripts, and the refusal of a mid-stream or UDP flow.
func (s *Suite) Run(t *testing.T) {
	t.Run("recorded", s.TestRecorded)
	t.Run("transcripts", s.TestTranscripts)
	t.Run("mid-stream and UDP refused", s.TestMidStreamAndUDPRefused)
}

// input is the TCP input of a session to port (the suite's when 0).
func (s *Suite) input(c2s, s2c []byte, port uint16) detect.Input {
	if port == 0 {
		port = s.Port
	}
	return detect.Input{C2S: c2s, S2C: s2c, ServerPort: port, Transport: 6}
}

// bytes decodes a transcript's text.
func (s *Suite) bytes(tb testing.TB, text string) []byte {
	if s.Hex {
		return Unhex(tb, text)
	}
	return []byte(text)
}

// TestRecorded checks every recorded flow: recognised, with what its row wants.
func (s *Suite) TestRecorded(t *testing.T) {
	if len(s.Recorded) == 0 {
		t.Fatal("no recorded flows in the table")
	}
	for _, tc := range s.Recorded {
		t.Run(tc.Name, func(t *testing.T) {
			c, sc := Flow(t, tc.Name)
			in := s.input(c, sc, tc.Port)
			var v detect.Verdict
			if !s.Detect(&in, &v) {
				t.Fatal("not recognised")
			}
			CheckUpgrade(t, &v, tc.Want)
		})
	}
}

// TestTranscripts checks every transcript: matched or not as its row says,
// and when matched with what it wants.
func (s *Suite) TestTranscripts(t *testing.T) {
	if len(s.Transcripts) == 0 {
		t.Fatal("no transcripts in the table")
	}
	for _, tc := range s.Transcripts {
		t.Run(tc.Name, func(t *testing.T) {
			in := s.input(s.bytes(t, tc.C2S), s.bytes(t, tc.S2C), tc.Port)
			var v detect.Verdict
			if got := s.Detect(&in, &v); got != tc.OK {
				t.Fatalf("Detect = %v, want %v", got, tc.OK)
			}
			if tc.OK {
				CheckUpgrade(t, &v, tc.Want)
			}
		})
	}
}

// TestMidStreamAndUDPRefused checks that the first recorded flow is refused
// when the connection's start was not captured and when it is UDP: an
// upgrade can only be judged from the session's first bytes.
func (s *Suite) TestMidStreamAndUDPRefused(t *testing.T) {
	if len(s.Recorded) == 0 {
		t.Fatal("no recorded flows in the table")
	}
	c, sc := Flow(t, s.Recorded[0].Name)
	mid := s.input(c, sc, s.Recorded[0].Port)
	mid.MidStream = true
	udp := s.input(c, sc, s.Recorded[0].Port)
	udp.Transport = 17
	for _, in := range []detect.Input{mid, udp} {
		var v detect.Verdict
		if s.Detect(&in, &v) {
			t.Errorf("recognised mid-stream %v transport %d", in.MidStream, in.Transport)
		}
	}
}

// Fuzz seeds f with the transcripts and fuzzes both heads: a refusal
// leaves the verdict empty, a match names the suite's protocol with at most
// MaxFindings findings, and nothing panics.
func (s *Suite) Fuzz(f *testing.F) {
	for _, tc := range s.Transcripts {
		f.Add(s.bytes(f, tc.C2S), s.bytes(f, tc.S2C))
	}
	f.Fuzz(func(t *testing.T, c2s, s2c []byte) {
		in := s.input(c2s, s2c, 0)
		var v detect.Verdict
		if !s.Detect(&in, &v) {
			if v.Protocol != "" || len(v.Findings) > 0 || v.Upgraded {
				t.Fatalf("not detected but filled: %+v", v)
			}
			return
		}
		if v.Protocol != s.Protocol || len(v.Findings) > s.MaxFindings {
			t.Fatalf("verdict %+v", v)
		}
	})
}
