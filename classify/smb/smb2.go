package smb

import "encoding/binary"

// SMB2 commands and flags ([MS-SMB2] §2.2.1).
const (
	smb2Negotiate      = 0x0000
	smb2SessionSetup   = 0x0001
	smb2TreeConnect    = 0x0003
	smb2Create         = 0x0005
	smb2Cancel         = 0x000C
	smb2Echo           = 0x000D
	smb2OplockBreak    = 0x0012
	smb2FlagResponse   = 0x00000001
	smb2FlagSigned     = 0x00000008
	smb2SessEncrypt    = 0x0004 // SessionFlags: SMB2_SESSION_FLAG_ENCRYPT_DATA
	smb2HeaderLen      = 64
	maxCompoundedCount = 32
)

// smb2Message reads an SMB2 message and the ones compounded behind it.
func (s *session) smb2Message(m []byte, fromServer bool) {
	for i := 0; i < maxCompoundedCount && len(m) >= smb2HeaderLen; i++ {
		if m[0] != idSMB2 || binary.LittleEndian.Uint16(m[4:6]) != smb2HeaderLen {
			return
		}
		next := int(binary.LittleEndian.Uint32(m[20:24]))
		one := m
		if next >= smb2HeaderLen && next < len(m) {
			one = m[:next]
		}
		s.smb2One(one)
		if next < smb2HeaderLen || next >= len(m) || next%8 != 0 {
			return
		}
		m = m[next:]
	}
}

// smb2One reads one SMB2 header and the parts of its body that matter.
func (s *session) smb2One(m []byte) {
	status := binary.LittleEndian.Uint32(m[8:12])
	cmd := binary.LittleEndian.Uint16(m[12:14])
	flags := binary.LittleEndian.Uint32(m[16:20])
	response := flags&smb2FlagResponse != 0
	body := m[smb2HeaderLen:]
	switch {
	case cmd == smb2Negotiate && response:
		if len(body) >= 6 {
			if d := binary.LittleEndian.Uint16(body[4:6]); d != 0x02FF {
				s.dialect = d
			}
		}
	case cmd == smb2SessionSetup:
		typ, a, ok := ParseNTLM(body)
		switch {
		case ok && typ == ntlmAuthenticate && !response:
			s.auth, s.authSeen = a, true
		case ok && typ == ntlmChallenge && response:
			s.challenge = true
		}
		if response && logonFailure(status) {
			s.failed = true
		}
		if response && status == 0 && len(body) >= 4 && binary.LittleEndian.Uint16(body[2:4])&smb2SessEncrypt != 0 {
			s.encData = true
		}
	case cmd == smb2TreeConnect:
		s.plainTree = true
	case cmd >= smb2Create && cmd <= smb2OplockBreak && cmd != smb2Cancel && cmd != smb2Echo:
		s.plainData = true
		if flags&smb2FlagSigned != 0 {
			s.signed = true
		}
	}
}
