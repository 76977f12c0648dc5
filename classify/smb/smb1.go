package smb

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// SMB1 commands and flags ([MS-CIFS] §2.2.2).
const (
	smb1Negotiate    = 0x72
	smb1SessionSetup = 0x73
	smb1Reply        = 0x80   // Flags: message is a reply
	smb1Unicode      = 0x8000 // Flags2: strings are UTF-16LE
	capExtendedSec   = 0x80000000
	secModeEncryptPw = 0x02 // SecurityMode: challenge/response, not clear-text passwords
	statusLogonFail  = 0xC000006D
	statusAcctIssue  = 0xC000006E // STATUS_ACCOUNT_RESTRICTION
	statusWrongPw    = 0xC000006A
)

// smb1Message reads one SMB1 message. A server speaking SMB1, or a client
// sending anything but the multi-protocol NEGOTIATE, means SMB1 is in use.
func (s *session) smb1Message(m []byte, fromServer bool) {
	if len(m) < 35 {
		if fromServer || len(m) > 4 && m[4] != smb1Negotiate {
			s.smb1 = true
		}
		return
	}
	cmd := m[4]
	status := binary.LittleEndian.Uint32(m[5:9])
	reply := m[9]&smb1Reply != 0
	if fromServer || cmd != smb1Negotiate {
		s.smb1 = true
	}
	switch {
	case cmd == smb1Negotiate && !reply:
		s.smb1Dialects(m)
	case cmd == smb1Negotiate && reply:
		s.smb1NegotiateReply(m)
	case cmd == smb1SessionSetup && !reply:
		s.smb1SessionSetup(m)
	case cmd == smb1SessionSetup && reply:
		if typ, _, ok := ParseNTLM(m[32:]); ok && typ == ntlmChallenge {
			s.challenge = true
		}
		if logonFailure(status) {
			s.failed = true
		}
	}
}

// smb1Dialects records the dialect strings of a NEGOTIATE request. A client
// offering no SMB2 dialect will speak SMB1.
func (s *session) smb1Dialects(m []byte) {
	n := int(binary.LittleEndian.Uint16(m[33:35]))
	b := m[35:]
	if n < len(b) {
		b = b[:n]
	}
	smb2 := false
	for len(b) > 1 && b[0] == 0x02 && len(s.offered1) < 32 {
		end := bytes.IndexByte(b[1:], 0)
		if end < 0 {
			break
		}
		d := oemString(b[1 : 1+end])
		s.offered1 = append(s.offered1, d)
		if strings.HasPrefix(d, "SMB 2.") {
			smb2 = true
		}
		b = b[2+end:]
	}
	if len(s.offered1) > 0 && !smb2 {
		s.smb1 = true
	}
}

// smb1NegotiateReply reads the chosen dialect and, for NT LM 0.12 without
// extended security, the server challenge and password mode.
func (s *session) smb1NegotiateReply(m []byte) {
	wc := int(m[32])
	s.chosen1 = int(binary.LittleEndian.Uint16(m[33:35]))
	if wc != 17 || len(m) < 67 {
		return
	}
	if m[35]&secModeEncryptPw == 0 {
		s.plainPw = true
	}
	caps := binary.LittleEndian.Uint32(m[52:56])
	if caps&capExtendedSec == 0 && m[66] == 8 {
		s.challenge = true
	}
}

// smb1SessionSetup reads a SESSION_SETUP_ANDX request: the NTLMSSP token
// with extended security (12 words), or the LM/NT responses, account and
// domain without it (13 words).
func (s *session) smb1SessionSetup(m []byte) {
	switch m[32] {
	case 12:
		if typ, a, ok := ParseNTLM(m[33:]); ok && typ == ntlmAuthenticate {
			s.auth, s.authSeen = a, true
		}
	case 13:
		if len(m) < 61 {
			return
		}
		lm := int(binary.LittleEndian.Uint16(m[47:49]))
		nt := int(binary.LittleEndian.Uint16(m[49:51]))
		unicode := binary.LittleEndian.Uint16(m[10:12])&smb1Unicode != 0
		off := 61 + lm + nt
		if off > len(m) {
			return
		}
		a := Auth{LMLen: lm, NTLen: nt}
		a.User, off = smb1String(m, off, unicode)
		a.Domain, _ = smb1String(m, off, unicode)
		s.auth, s.authSeen, s.smb1Basic = a, true, true
	}
}

// smb1String reads a NUL-terminated string at off (UTF-16LE aligned to an
// even offset from the header when unicode) and returns it and the offset
// after it.
func smb1String(m []byte, off int, unicode bool) (string, int) {
	if !unicode {
		end := bytes.IndexByte(m[min(off, len(m)):], 0)
		if end < 0 || end > 256 {
			return "", len(m)
		}
		return oemString(m[off : off+end]), off + end + 1
	}
	if off%2 == 1 {
		off++
	}
	for i := off; i+1 < len(m) && i-off <= 512; i += 2 {
		if m[i] == 0 && m[i+1] == 0 {
			return utf16String(m[off:i]), i + 2
		}
	}
	return "", len(m)
}

// logonFailure reports NT status codes that mean the credentials were
// refused.
func logonFailure(status uint32) bool {
	return status == statusLogonFail || status == statusWrongPw || status == statusAcctIssue
}
