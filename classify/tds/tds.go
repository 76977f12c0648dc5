package tds

import (
	"encoding/binary"

	"github.com/ibmitap/ibmitap/classify/detect"
	"github.com/ibmitap/ibmitap/classify/starttls"
	"github.com/ibmitap/ibmitap/classify/tls"
)

// Packet types (MS-TDS §2.2.3.1.1).
const (
	typeLogin7   = 0x10
	typePrelogin = 0x12
	typeReply    = 0x04
)

// PRELOGIN option tokens and ENCRYPTION values (§2.2.6.5).
const (
	optVersion    = 0x00
	optEncryption = 0x01
	optTerminator = 0xff

	encryptOff    = 0x00
	encryptOn     = 0x01
	encryptNotSup = 0x02
	encryptReq    = 0x03
)

const headerLen = 8

// how names the upgrade in findings.
const how = "TDS PRELOGIN encryption"

// Detect recognises a PRELOGIN from the client, answered by the server.
func Detect(in *detect.Input, v *detect.Verdict) bool {
	if in.MidStream || in.Transport == 17 {
		return false
	}
	req, crest, ok := packet(in.C2S, typePrelogin)
	if !ok {
		return false
	}
	cenc, ok := encryption(req)
	if !ok {
		return false
	}
	v.Protocol = "tds"
	resp, srest, ok := packet(in.S2C, typeReply)
	if !ok {
		return true
	}
	senc, ok := encryption(resp)
	if !ok {
		return true
	}
	switch {
	case (senc == encryptOn || senc == encryptReq) && cenc != encryptNotSup:
		c, _ := tlsPayload(crest)
		s, _ := tlsPayload(srest)
		starttls.Accepted(v, how, c, s)
	case senc == encryptOff && cenc != encryptNotSup:
		// TLS still protects the LOGIN7 packet; its handshake is recorded.
		c, _ := tlsPayload(crest)
		s, _ := tlsPayload(srest)
		tls.Inspect(c, s, &v.TLS)
		starttls.NotOffered(v, how, "the server answered ENCRYPT_OFF, so only the login is encrypted")
	default:
		starttls.NotOffered(v, how, "no encryption was agreed (ENCRYPT_NOT_SUP)")
		if login, _, ok := packet(crest, typeLogin7); ok {
			f := detect.Finding{
				Kind: detect.KindCleartextPassword, Severity: detect.SevCritical,
				Message:  "SQL Server LOGIN7 in clear: its password is only obfuscated",
				Protocol: "tds LOGIN7",
			}
			if u := loginUser(login); u != "" {
				v.User, f.User = u, u
				f.Message += " (user " + u + ")"
			}
			v.Add(f)
		}
	}
	return true
}

// packet splits the first TDS packet of type typ off b: its payload (the
// part of it in b when a long packet runs past the head) and the rest.
func packet(b []byte, typ byte) (payload, rest []byte, ok bool) {
	if len(b) < headerLen || b[0] != typ || b[1]&^0x1f != 0 {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if n <= headerLen || n > 32768 {
		return nil, nil, false
	}
	if n > len(b) {
		return b[headerLen:], nil, true
	}
	return b[headerLen:n], b[n:], true
}

// encryption reads the ENCRYPTION option of a PRELOGIN payload: option
// headers (token, offset, length) up to the terminator, the first of them
// VERSION, every offset inside the payload.
func encryption(p []byte) (byte, bool) {
	enc, found := byte(0), false
	for i := 0; ; i++ {
		if len(p) <= i*5 || i > 16 {
			return 0, false
		}
		h := p[i*5:]
		if h[0] == optTerminator {
			return enc, found && i > 1
		}
		if len(h) < 5 || i == 0 && h[0] != optVersion {
			return 0, false
		}
		off := int(binary.BigEndian.Uint16(h[1:]))
		l := int(binary.BigEndian.Uint16(h[3:]))
		if off+l > len(p) {
			return 0, false
		}
		if h[0] == optEncryption {
			if l != 1 || p[off] > encryptReq {
				return 0, false
			}
			enc, found = p[off], true
		}
	}
}

// tlsPayload returns the payload of a PRELOGIN packet that carries a TLS
// handshake record (the TLS exchange travels inside TDS packets).
func tlsPayload(b []byte) ([]byte, bool) {
	p, _, ok := packet(b, typePrelogin)
	if !ok || !starttls.StartsTLS(p) {
		return nil, false
	}
	return p, true
}

// loginUser decodes the user name of a LOGIN7 payload (MS-TDS 2.2.6.4: its
// offset and length in characters at bytes 40-43, UCS-2 text); "" when it
// is absent or not printable ASCII.
func loginUser(p []byte) string {
	if len(p) < 44 {
		return ""
	}
	off := int(binary.LittleEndian.Uint16(p[40:]))
	n := int(binary.LittleEndian.Uint16(p[42:]))
	if n == 0 || n > 64 || off+2*n > len(p) {
		return ""
	}
	var buf [64]byte
	for i := range n {
		lo, hi := p[off+2*i], p[off+2*i+1]
		if hi != 0 || lo < 0x21 || lo > 0x7e {
			return ""
		}
		buf[i] = lo
	}
	return string(buf[:n])
}

// Reject reports that no more bytes can make Detect match: a capture that
// starts mid-session, UDP, or a client whose first packet is no PRELOGIN.
func Reject(in *detect.Input) bool {
	if in.MidStream || in.Transport == 17 {
		return true
	}
	c := in.C2S
	if len(c) >= 1 && c[0] != typePrelogin || len(c) >= 2 && c[1]&^0x1f != 0 {
		return true
	}
	if len(c) >= headerLen {
		req, _, ok := packet(c, typePrelogin)
		if !ok {
			return true
		}
		if int(binary.BigEndian.Uint16(c[2:])) <= len(c) {
			_, ok := encryption(req)
			return !ok
		}
	}
	return false
}
