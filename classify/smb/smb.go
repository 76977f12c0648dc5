package smb

import (
	"bytes"
	"fmt"

	"github.com/ibmitap/ibmitap/classify/detect"
)

// Protocol IDs at the start of every SMB message.
const (
	idSMB1      = 0xFF // SMB1 header
	idSMB2      = 0xFE // SMB2/3 header
	idTransform = 0xFD // SMB3 transform header: the message inside is encrypted
	idCompress  = 0xFC // SMB3 compression transform
)

// NetBIOS session-service packet types (RFC 1002 §4.3).
const (
	nbMessage  = 0x00
	nbRequest  = 0x81
	nbPositive = 0x82
	nbNegative = 0x83
	nbRetarget = 0x84
	nbKeep     = 0x85
)

// maxFrames bounds the frames read from one head.
const maxFrames = 512

// Detect recognises an SMB session on TCP (NetBIOS session request or a
// session message holding an SMB header, from either side) and reports the
// dialect, SMB1 use, unencrypted SMB2/3 file traffic, encryption, and the
// NTLM logon.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.Transport != 6 {
		return false
	}
	c2s, okC := start(in.C2S, in.MidStream)
	s2c, okS := start(in.S2C, in.MidStream)
	if !okC && !okS {
		if !in.MidStream && noFrame(in.C2S) {
			v.Wait.C2S = detect.Never // only the server's first frame can still decide
		}
		return false
	}
	// The other side may open with a session response (0x82) or a
	// keep-alive rather than an SMB message.
	if okC && !okS && sessionPacket(in.S2C) {
		s2c, okS = in.S2C, true
	}
	if okS && !okC && sessionPacket(in.C2S) {
		c2s, okC = in.C2S, true
	}
	s := session{chosen1: -1}
	if okC {
		s.walk(c2s, false)
	}
	if okS {
		s.walk(s2c, true)
	}
	s.verdict(v)
	return true
}

// start returns b from its first frame when b opens like an SMB session:
// a NetBIOS session request or a session message holding an SMB header.
// With midStream the first such frame may be further in.
func start(b []byte, midStream bool) ([]byte, bool) {
	if frameStart(b) {
		return b, true
	}
	if !midStream {
		return nil, false
	}
	for off := 0; off < len(b); {
		i := bytes.Index(b[off:], []byte("SMB"))
		if i < 0 {
			return nil, false
		}
		if p := off + i - 5; p >= 0 && frameStart(b[p:]) {
			return b[p:], true
		}
		off += i + 1
	}
	return nil, false
}

// frameStart reports whether b starts with a session message holding an SMB
// header, or with a well-formed NetBIOS session request.
func frameStart(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch b[0] {
	case nbMessage:
		n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if n < 8 || len(b) < 8 || !bytes.Equal(b[5:8], []byte("SMB")) {
			return false
		}
		switch b[4] {
		case idSMB1:
			return n >= 32
		case idSMB2:
			return n >= 64
		case idTransform:
			return n >= 52
		case idCompress:
			return n >= 16
		}
		return false
	case nbRequest:
		if b[1]&^1 != 0 {
			return false
		}
		called, rest, ok := netbiosName(b[4:])
		if !ok {
			return false
		}
		_, _, ok = netbiosName(rest)
		return ok && called != ""
	}
	return false
}

// sessionPacket reports whether b starts with any NetBIOS session-service
// packet type.
func sessionPacket(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch b[0] {
	case nbMessage, nbRequest, nbPositive, nbNegative, nbRetarget, nbKeep:
		return true
	}
	return false
}

// session collects what both directions tell about the SMB session.
type session struct {
	offered1  []string // SMB1 dialect strings the client offered
	chosen1   int      // index the SMB1 server chose, -1 unknown
	dialect   uint16   // SMB2 dialect from the NEGOTIATE response
	smb1      bool     // SMB1 carried more than a multi-protocol NEGOTIATE
	plainData bool     // SMB2 file operations in plain FE headers
	plainTree bool     // SMB2 TREE_CONNECT in a plain FE header
	signed    bool     // a plain data message carried the SIGNED flag
	encrypted bool     // a transform (FD) header was seen
	compress  bool     // a compression (FC) header outside encryption
	encData   bool     // SESSION_SETUP response demanded encryption
	challenge bool     // the server's NTLM challenge is in the head
	plainPw   bool     // SMB1 server negotiated clear-text passwords
	auth      Auth
	authSeen  bool
	smb1Basic bool // SMB1 session setup without extended security
	failed    bool // SESSION_SETUP answered with a logon failure
}

// walk reads the frames of one direction.
func (s *session) walk(b []byte, fromServer bool) {
	for n := 0; n < maxFrames && len(b) >= 4; n++ {
		size := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if b[0] != nbMessage {
			// Other session-service packets carry a 17-bit length.
			size = int(b[1]&1)<<16 | int(b[2])<<8 | int(b[3])
		}
		body := b[4:]
		if size < len(body) {
			body = body[:size]
		}
		switch b[0] {
		case nbMessage:
			s.message(body, fromServer)
		case nbRequest, nbPositive, nbNegative, nbRetarget, nbKeep:
		default:
			return
		}
		if size > len(b)-4 {
			return
		}
		b = b[4+size:]
	}
}

// message dispatches one SMB message (possibly cut by the head's end).
func (s *session) message(m []byte, fromServer bool) {
	if len(m) < 4 || !bytes.Equal(m[1:4], []byte("SMB")) {
		return
	}
	switch m[0] {
	case idSMB1:
		s.smb1Message(m, fromServer)
	case idSMB2:
		s.smb2Message(m, fromServer)
	case idTransform:
		s.encrypted = true
	case idCompress:
		s.compress = true
	}
}

// verdict fills v from the session.
func (s *session) verdict(v *detect.Verdict) {
	v.Protocol = "smb"
	dialect := s.dialectName()
	switch {
	case s.smb1:
		v.Add(detect.Finding{
			Kind:     detect.KindUnencryptedSMB,
			Severity: detect.SevMedium,
			Message:  fmt.Sprintf("SMB1 in use (%s): SMB1 cannot encrypt and is deprecated", dialect),
			Protocol: dialect,
		})
	case s.plainData || s.compress || s.plainTree && !s.encrypted:
		sign := "unsigned"
		if s.signed {
			sign = "signed"
		}
		v.Add(detect.Finding{
			Kind:     detect.KindUnencryptedSMB,
			Severity: detect.SevMedium,
			Message:  fmt.Sprintf("%s session without encryption: file operations travel in plain SMB2 messages (%s)", dialect, sign),
			Protocol: dialect,
		})
	case s.encrypted, s.encData:
		// Transform headers after SESSION_SETUP, or the server's demand for
		// them when the head ends before any file traffic.
		v.Encrypted = true
	}
	s.authFindings(v)
}

// authFindings reports the logon: the user, the verifier kind and whether it
// can be guessed offline, a clear-text SMB1 password, a failed logon.
func (s *session) authFindings(v *detect.Verdict) {
	if !s.authSeen || s.auth.User == "" {
		return
	}
	user := s.auth.Account()
	v.User = user
	mech := s.auth.Mechanism()
	switch {
	case s.smb1Basic && s.plainPw && (s.auth.LMLen > 0 || s.auth.NTLen > 0):
		v.Add(detect.Finding{
			Kind:     detect.KindCleartextPassword,
			Severity: detect.SevCritical,
			Message:  "SMB1 session setup sends the password in clear (server does not require encrypted passwords)",
			User:     user,
			Protocol: "smb1 SESSION_SETUP_ANDX",
		})
	case mech != "" && s.challenge:
		v.Add(detect.Finding{
			Kind:      detect.KindPasswordHashExposed,
			Severity:  detect.SevHigh,
			Message:   mech + " challenge and response visible: the password can be guessed offline",
			User:      user,
			Protocol:  "smb NTLM AUTHENTICATE",
			Mechanism: mech,
		})
	default:
		f := detect.Finding{
			Kind:      detect.KindUserIDExposed,
			Severity:  detect.SevLow,
			Message:   "NTLM logon: user name visible in clear",
			User:      user,
			Protocol:  "smb NTLM AUTHENTICATE",
			Mechanism: mech,
		}
		if mech != "" {
			f.Message = "NTLM logon: user name visible in clear; " + mech + " response seen without the server challenge"
		}
		v.Add(f)
	}
	if s.failed {
		v.Add(detect.Finding{
			Kind:     detect.KindAuthFailure,
			Severity: detect.SevLow,
			Message:  "SMB session setup failed (logon failure)",
			User:     user,
			Protocol: "smb SESSION_SETUP",
			Count:    1,
		})
	}
}

// dialectName names the negotiated dialect as well as the head tells it.
func (s *session) dialectName() string {
	if s.smb1 {
		if s.chosen1 >= 0 && s.chosen1 < len(s.offered1) {
			return "SMB1 " + s.offered1[s.chosen1]
		}
		return "SMB1"
	}
	switch s.dialect {
	case 0x0202:
		return "SMB 2.0.2"
	case 0x0210:
		return "SMB 2.1"
	case 0x0300:
		return "SMB 3.0"
	case 0x0302:
		return "SMB 3.0.2"
	case 0x0311:
		return "SMB 3.1.1"
	case 0, 0x02FF:
		return "SMB2/3"
	}
	return fmt.Sprintf("SMB dialect 0x%04X", s.dialect)
}

// Reject reports that no more bytes can make Detect match a flow whose start
// was captured: not TCP, or neither direction can open with a frame
// frameStart accepts, whatever follows.
func Reject(in *detect.Input) bool {
	if in.Transport != 6 {
		return true
	}
	return !in.MidStream && noFrame(in.C2S) && noFrame(in.S2C)
}

// noFrame reports whether frameStart fails on b and on every longer b:
// a first byte that is no session message or request, a session message
// whose 8 header bytes are there and hold no SMB header, or a session
// request whose flags or called name cannot be right.
func noFrame(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch b[0] {
	case nbMessage:
		return len(b) >= 8 && !frameStart(b)
	case nbRequest:
		return len(b) >= 2 && b[1]&^1 != 0 || len(b) >= 5 && b[4] != 0x20
	}
	return true
}
